#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sealroot against a model of EMT's 91persistent-mount (tests/host/emt-model.sh)
# on the same image and layout, each with its own persistent store: first
# boot, the device's writes, second boot, first boot of an updated image.
# After each, the views of /etc and /var (type, mode, owner, size, link
# target, mtime, hard links, content, xattrs, ACLs: lib-emt.sh's view) are
# equal but for the differences layout.env(5) documents (*EMT'S
# PERSISTENT-MOUNT*), and each of those is asserted for what it is:
#  - a persistent copy keeps the image's POSIX ACLs with sealroot, EMT drops
#    them (rsync without -A): /etc/app/app.conf, the default ACL of /etc/app/sub;
#  - an overlay's root directory keeps the image directory's xattrs with
#    sealroot, EMT carries only owner, mode and ACLs: /var's user.role;
#  - a file the device deleted stays deleted with sealroot, EMT copies it
#    back from the image at the next boot: /etc/app/del.conf;
#  - a directory the device chmod'ed keeps its mode with sealroot, EMT gives
#    it the image's back at every boot: /etc/app;
#  - an image update reaches a file the device never changed with sealroot,
#    never with EMT (it only adds what the store lacks): /etc/app/keep.conf;
#  - a bind whose path the image lacks is created by sealroot inside its
#    overlay (a file for PERSISTENT_BIND_FILES) and what is written there
#    stays; EMT binds nothing there, so the write lands in the overlay and
#    is gone at the next boot: /etc/lms, /var/log/inbm.log.
# Everything else agrees: seeding (hard links, symlinks, FIFOs, owners,
# modes, times, xattrs), the device's writes through binds and overlays,
# overlays reset at boot, new image files added, the device's edits kept.
. "$(dirname "$0")/lib-layout.sh"
. "$(dirname "$0")/lib-emt.sh"
cmp_init

# run_scenario NAME 'APPLY': the four steps, views in $S/NAME.{1,1w,2,3}.
run_scenario() {
	local name=$1 apply=$2
	rm -rf "$S/image/etc" "$S/image/var"
	mkdir -p "$S/image/var"
	cmp_image v1
	find "$S/persist" -mindepth 1 -delete
	boot "$apply"'
		cmp_view >"$S/'"$name"'.1"
		cmp_device_writes
		cmp_view >"$S/'"$name"'.1w"
	'
	boot "$apply"'
		cmp_view >"$S/'"$name"'.2"
	'
	cmp_image v2
	boot "$apply"'
		cmp_view >"$S/'"$name"'.3"
	'
}
run_scenario emt '"$EMT_MODEL" "$R" "$LAYOUT" >"$S/emt.out"'
run_scenario sr 'apply'
cp "$SEALROOT_REPORT" "$TMP/report.3.json"

# The scenario did what it says, in both: seeded, written, kept, reset, updated.
sha() { printf '%s\n' "$@" | sha256sum | cut -c1-16; }
for v in emt sr; do
	grep -q '^/etc/ssh/moduli.link f .* link=/etc/ssh/moduli ' "$S/$v.1" || fail "$v: hard link not kept at seeding"
	grep -q '^/etc/ssh/control.fifo p ' "$S/$v.1" || fail "$v: FIFO not seeded"
	grep -q '^/etc/ssh/current l .* -> sshd_config ' "$S/$v.1" || fail "$v: symlink not seeded"
	grep -q '^/etc/app/app.conf f 660 1001:1002 .*user.color=626c7565' "$S/$v.1" || fail "$v: app.conf owner/xattr"
	grep -q "^/etc/motd f .*sha256=$(sha changed)" "$S/$v.1w" || fail "$v: overlay write not seen"
	grep -q "^/etc/motd f .*sha256=$(sha welcome)" "$S/$v.2" || fail "$v: overlay write survived the reboot"
	! grep -q '^/var/log/new.log ' "$S/$v.2" || fail "$v: overlay file survived the reboot"
	grep -q '^/etc/ssh/ssh_host_ed25519_key f 600 ' "$S/$v.2" || fail "$v: the device's key is gone"
	grep -q "^/etc/machine-id f .*sha256=$(sha 4f1c2a7e9b0d4c5e8a6f3b2d1c0e9f8a)" "$S/$v.2" || fail "$v: the device's machine-id is gone"
	grep -q '^/etc/app/local.conf f .*acl=user::rw-,user:4321:r--' "$S/$v.2" || fail "$v: the device's ACL is gone"
	grep -q "^/etc/ssh/sshd_config f .*sha256=$(sha "Port 2222")" "$S/$v.3" || fail "$v: the device's sshd_config is not kept"
	grep -q '^/etc/ssh/sshd_config.d/new.conf f ' "$S/$v.3" || fail "$v: new image file not added"
	grep -q '^/etc/app/added.conf f ' "$S/$v.3" || fail "$v: new image file not added"
	grep -q "^/etc/motd f .*sha256=$(sha "welcome v2")" "$S/$v.3" || fail "$v: the updated image's overlay content not shown"
done

# Where they differ, and only there.
assert_eq "$(cmp_differ "$S/emt.1" "$S/sr.1")" "/etc/app/app.conf /etc/app/sub /etc/lms /var /var/log/inbm.log" \
	"first boot: paths whose views differ"
# The write to /var/log/inbm.log looks the same on both, until the reboot.
assert_eq "$(cmp_differ "$S/emt.1w" "$S/sr.1w")" "/etc/app/app.conf /etc/app/sub /etc/lms /var" \
	"after the writes: paths whose views differ"
assert_eq "$(cmp_differ "$S/emt.2" "$S/sr.2")" \
	"/etc/app /etc/app/app.conf /etc/app/del.conf /etc/app/sub /etc/lms /var /var/log/inbm.log" \
	"second boot: paths whose views differ"
assert_eq "$(cmp_differ "$S/emt.3" "$S/sr.3")" \
	"/etc/app /etc/app/app.conf /etc/app/del.conf /etc/app/keep.conf /etc/app/sub /etc/lms /var /var/log/inbm.log" \
	"updated image: paths whose views differ"

# Each difference is the documented one.
line() { grep "^$2 " "$S/$1" || true; }
[[ $(line sr.1 /etc/app/app.conf) == *acl=user::rw-,user:1234:rw-,group::r--,mask::rw-,other::---* ]] ||
	fail "sealroot lost app.conf's ACL: $(line sr.1 /etc/app/app.conf)"
[[ $(line emt.1 /etc/app/app.conf) != *acl=* ]] || fail "the EMT model kept an ACL: rsync -A?"
assert_eq "$(line emt.1 /etc/app/app.conf | sed 's/ acl=[^ ]*//')" "$(line sr.1 /etc/app/app.conf | sed 's/ acl=[^ ]*//')" \
	"app.conf differs in more than the ACL"
[[ $(line sr.1 /etc/app/sub) == *default-acl=*group:555:r-x* ]] || fail "sealroot lost the default ACL"
[[ $(line emt.1 /etc/app/sub) != *default-acl=* ]] || fail "the EMT model kept a default ACL"
[[ $(line sr.1 /var) == *user.role=6c6f6773* && $(line sr.1 /var) == *acl=*user:1234:r-x* ]] ||
	fail "sealroot's /var overlay root lost the image's xattr or ACL: $(line sr.1 /var)"
[[ $(line emt.1 /var) != *user.role=* && $(line emt.1 /var) == *acl=*user:1234:r-x* ]] ||
	fail "the EMT model's /var: expected the ACL but not the xattr: $(line emt.1 /var)"
assert_eq "$(line sr.2 /etc/app/del.conf)" "" "sealroot brought back a file the device deleted"
[[ $(line emt.2 /etc/app/del.conf) == *" 6 mtime="* ]] || fail "the EMT model did not copy the deleted file back"
[[ $(line sr.2 /etc/app) == "/etc/app d 700 "* ]] || fail "sealroot changed the device's mode of /etc/app"
[[ $(line emt.2 /etc/app) == "/etc/app d 750 "* ]] || fail "the EMT model kept the device's mode of /etc/app"
[[ $(line sr.3 /etc/app/keep.conf) == *sha256=$(sha keep=2)* ]] ||
	fail "sealroot did not update a file the device never changed"
[[ $(line emt.3 /etc/app/keep.conf) == *sha256=$(sha keep=1)* ]] ||
	fail "the EMT model updated an existing file"
[[ $(line sr.1 /etc/lms) == "/etc/lms d 755 0:0" && $(line sr.1 /var/log/inbm.log) == "/var/log/inbm.log f 644 0:0 0 "* ]] ||
	fail "sealroot did not create the missing bind mount points: $(line sr.1 /etc/lms) / $(line sr.1 /var/log/inbm.log)"
assert_eq "$(line emt.1 /etc/lms)$(line emt.1 /var/log/inbm.log)" "" "the EMT model created a missing mount point"
[[ $(line sr.2 /var/log/inbm.log) == *sha256=$(sha "update 1 done")* ]] || fail "sealroot lost the write to the file bind"
assert_eq "$(line emt.2 /var/log/inbm.log)" "" "the EMT model kept an overlay write"
# sealroot lists what it merged; the device's sshd_config is a conflict.
merge=$(jq -r '.stages[] | select(.name == "layout") |
	"\(.merge_added) \(.merge_updated) \(.merge_conflicts) \([.merge[].path] | join(","))"' "$TMP/report.3.json")
assert_eq "$merge" "2 1 1 /etc/ssh/sshd_config" "sealroot's merge: added, updated, conflicts, listed paths"
echo PASS
