#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A device that ran EMT (tests/host/emt-model.sh, the model of its
# 91persistent-mount) boots sealroot: its store, in EMT's flattened form with
# the device's writes, is adopted, and sealroot shows what EMT's own next boot
# of the same image would show (lib-emt.sh's view of /etc and /var), but for
# the documented differences (layout.env(5), *EMT'S PERSISTENT-MOUNT*): the
# device's chmod of /etc/app is kept (EMT resets it to the image's at every
# boot), the overlay root /var keeps the image's xattr, and the two binds
# whose paths the image lacks (EMT mounted nothing there) are created.
# Nothing of the device's is lost: against the view the device had under EMT,
# sealroot differs only in what a boot resets (the overlays) or creates (the
# two binds), and in the file the device deleted and the image still ships,
# which is back as with EMT's next boot (an adopted copy has no record of
# what the image shipped, so a file it lacks is added).  Then both boot an
# updated image: sealroot's merge (the adopted store's base is now the old
# image) also updates the file the device never changed, which EMT never
# does.  Power cuts during the migration:
# test_layout_migrate_power_cut_every_step.sh.
. "$(dirname "$0")/lib-layout.sh"
. "$(dirname "$0")/lib-emt.sh"
cmp_init
emt='"$EMT_MODEL" "$R" "$LAYOUT" >"$S/emt.out"'

# The device under EMT: first boot, its writes.
cmp_image v1
boot "$emt"'
	cmp_device_writes
	cmp_view >"$S/emt.1w"
'
assert_eq "$(find "$S/persist" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | xargs)" \
	"etc-app.bind etc-machine-id.bind etc-ssh.bind var-lib-app.bind" "the EMT store's copies"
# A copy of that store for EMT's own next boots (cp -a keeps hard links,
# owners, modes, times, xattrs and ACLs).
mkdir "$S/persist-emt"
cp -a "$S/persist/." "$S/persist-emt/"

boot 'apply; cmp_view >"$S/sr.m"'
cp "$SEALROOT_REPORT" "$TMP/report.m.json"
assert_eq "$(migration_report | cut -d' ' -f1 | xargs)" "stage migrated migrated migrated migrated" \
	"sealroot adopted the four EMT copies"
assert_eq "$(find "$S/persist" -name '*.bind' | wc -l)" 0 "EMT copies left in the store"

# EMT's own next boot, on the copy of the store.
swap_store() { mv "$S/persist" "$S/persist-x" && mv "$S/persist-$1" "$S/persist" && mv "$S/persist-x" "$S/persist-$2"; }
swap_store emt sr
boot "$emt"'; cmp_view >"$S/emt.2"'

assert_eq "$(cmp_differ "$S/emt.2" "$S/sr.m")" "/etc/app /etc/lms /var /var/log/inbm.log" \
	"sealroot after migration vs EMT's next boot"
line() { grep "^$2 " "$S/$1" || true; }
[[ $(line sr.m /etc/app) == "/etc/app d 700 "* && $(line emt.2 /etc/app) == "/etc/app d 750 "* ]] ||
	fail "/etc/app: expected the device's 700 with sealroot, the image's 750 with EMT"
[[ $(line sr.m /var) == *user.role=6c6f6773* && $(line emt.2 /var) != *user.role=* ]] ||
	fail "/var: expected the image's xattr with sealroot only"
# Against the device's last view under EMT: the overlays are reset (/etc/motd,
# /var/log/new.log, and /var/log/inbm.log, which EMT had no bind for: sealroot
# makes it an empty persistent file), /var has its xattr, /etc/lms is made,
# the deleted file is back; nothing else.
assert_eq "$(cmp_differ "$S/emt.1w" "$S/sr.m")" \
	"/etc/app/del.conf /etc/lms /etc/motd /var /var/log/inbm.log /var/log/new.log" \
	"sealroot after migration vs the device's last EMT view"
[ -n "$(line sr.m /etc/app/del.conf)" ] || fail "the unknown base did not add back the image's file"
assert_eq "$(line sr.m /var/log/new.log)" "" "an overlay write survived the migration boot"
assert_eq "$(line sr.m /etc/motd)" "$(line emt.2 /etc/motd)" "/etc/motd is not the image's after the migration boot"
# The device's data, as the device left it (ACLs EMT dropped at its seed stay dropped).
for p in /etc/machine-id /etc/ssh/ssh_host_ed25519_key /etc/ssh/sshd_config /etc/app/local.conf \
	/etc/app/app.conf /etc/ssh/moduli.link /var/lib/app/db; do
	assert_eq "$(line sr.m "$p")" "$(line emt.1w "$p")" "$p after migration"
done

# The updated image, on both.
cmp_image v2
boot "$emt"'; cmp_view >"$S/emt.3"'
swap_store sr emt
boot 'apply; cmp_view >"$S/sr.3"'
assert_eq "$(cmp_differ "$S/emt.3" "$S/sr.3")" "/etc/app /etc/app/keep.conf /etc/lms /var /var/log/inbm.log" \
	"updated image after migration: paths whose views differ"
[[ $(line sr.3 /etc/app/keep.conf) == *sha256=$(echo keep=2 | sha256sum | cut -c1-16)* ]] ||
	fail "sealroot did not update a file the device never changed: $(line sr.3 /etc/app/keep.conf)"
echo PASS
