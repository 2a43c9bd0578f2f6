#!/bin/bash
# Device discovery through 'verity open --no-activate' on loop devices (no udev
# symlinks needed): LABEL=, UUID= (any case), /dev paths, waiting for a late
# device, refusing ambiguous tags, and a timeout that lists the block devices.
# PARTLABEL=/PARTUUID= and the PARTUUID-from-root-hash convention need GPT
# partition nodes: that part runs when the kernel makes them for a loop-attached
# GPT image; where it makes none the test ends as skipped (tests/allowed-skips:
# every e2e boot finds its root that way).
source "$(dirname "$0")/../lib.sh"

cd "$TMP"
FS_UUID=$(cat /proc/sys/kernel/random/uuid)
VERITY_UUID=$(cat /proc/sys/kernel/random/uuid)
truncate -s 16M data.img
mkfs.ext4 -q -F -L "st-data-$$" -U "$FS_UUID" data.img
veritysetup format --uuid="$VERITY_UUID" data.img hash.img >fmt.txt
RH=$(awk '/^Root hash:/ {print $3}' fmt.txt)
DATA=$(losetup -f --show --read-only data.img)
cleanup_add "losetup -d $DATA"
HASH=$(losetup -f --show --read-only hash.img)
cleanup_add "losetup -d $HASH"

OPEN=("$SEALROOT" verity open --no-activate --cert-dir "$TMP/nocerts")

note "LABEL= and UUID= (upper case) find the loop devices by probing"
UP=$(printf '%s' "$VERITY_UUID" | tr a-f A-F)
run_expect_rc 0 "${OPEN[@]}" --cmdline "roothash=$RH systemd.verity_root_data=LABEL=st-data-$$ systemd.verity_root_hash=UUID=$UP sealroot.device_timeout=2s"
assert_grep "^data=$DATA$" "$TMP/out"
assert_grep "^hash=$HASH$" "$TMP/out"

note "filesystem UUID= and a /dev path"
run_expect_rc 0 "${OPEN[@]}" --cmdline "roothash=$RH systemd.verity_root_data=UUID=$FS_UUID systemd.verity_root_hash=$HASH sealroot.device_timeout=2s"
assert_grep "^data=$DATA$" "$TMP/out"

note "data and hash swapped: no superblock, fails"
run_expect_rc 1 "${OPEN[@]}" --cmdline "roothash=$RH systemd.verity_root_data=$HASH systemd.verity_root_hash=$DATA sealroot.device_timeout=1s"
assert_grep "No valid dm-verity superblock on hash device $DATA" "$TMP/out"

note "a device that never appears times out, naming the spec and listing devices"
start=$(date +%s%N)
run_expect_rc 1 "${OPEN[@]}" --cmdline "roothash=$RH systemd.verity_root_data=LABEL=st-missing-$$ sealroot.device_timeout=400ms"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -ge 350 ] && [ "$ms" -lt 5000 ] || fail "timeout took ${ms} ms, expected ~400"
note "  timed out after ${ms} ms"
assert_grep "Timed out after 0.400 s waiting for block device LABEL=st-missing-$$" "$TMP/out"
assert_grep "Block devices present" "$TMP/out"
assert_grep "$DATA .*UUID=$FS_UUID LABEL=\"st-data-$$\" TYPE=ext4" "$TMP/out"
assert_grep "$HASH .*UUID=$VERITY_UUID .*TYPE=DM_verity_hash" "$TMP/out"
assert_grep "sealroot.device_timeout" "$TMP/out"

note "a device that appears while waiting is found"
truncate -s 8M late.img
mkfs.ext4 -q -F -L "st-late-$$" late.img
( sleep 0.5; losetup -f --show --read-only late.img >late.loop ) &
late_pid=$!
# Detach the late device even if the check below fails.
cleanup_add "wait $late_pid; [ -s $PWD/late.loop ] && losetup -d \$(cat $PWD/late.loop)"
run_expect_rc 0 "${OPEN[@]}" --cmdline "roothash=$RH systemd.verity_root_data=LABEL=st-late-$$ systemd.verity_root_hash=$HASH sealroot.device_timeout=10s"
wait
LATE=$(cat late.loop)
# (--no-activate checks the tree's top against the root hash; data blocks are
# checked by the kernel when read, or by 'verity verify'.)
assert_grep "^data=$LATE$" "$TMP/out"

note "two devices with the same LABEL: refuse to guess"
DUP=$(losetup -f --show --read-only data.img)
cleanup_add "losetup -d $DUP"
run_expect_rc 1 "${OPEN[@]}" --cmdline "roothash=$RH systemd.verity_root_data=LABEL=st-data-$$ sealroot.device_timeout=1s"
assert_grep "matches 2 block devices" "$TMP/out"
losetup -d "$DUP"

note "a /dev path that is not a block device times out"
run_expect_rc 1 "${OPEN[@]}" --cmdline "roothash=$RH systemd.verity_root_data=/dev/null sealroot.device_timeout=100ms"
assert_grep "Timed out" "$TMP/out"

# ---- GPT: PARTLABEL=, PARTUUID=, the root-hash convention ----
truncate -s 40M disk.img
sfdisk -q disk.img <<SF
label: gpt
size=16M, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="st-pdata-$$"
size=8M, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="st-phash-$$"
SF
LOOP=$(losetup -f --show -P disk.img)
cleanup_add "losetup -d $LOOP"
for _ in $(seq 1 20); do [ -b "${LOOP}p2" ] && break; sleep 0.1; done
# A loop driver without partition scanning (max_part=0) still takes the
# partitions from BLKPG, which partx uses.
[ -b "${LOOP}p2" ] || partx -a "$LOOP" 2>/dev/null || true
[ -b "${LOOP}p2" ] ||
	skip "GPT discovery (PARTLABEL=, PARTUUID=, PARTUUIDs from the root hash) not run: this kernel makes no partitions on $LOOP; the checks before it passed"
dd if=/dev/urandom of="${LOOP}p1" bs=1M count=16 status=none
veritysetup format "${LOOP}p1" "${LOOP}p2" >pfmt.txt
PRH=$(awk '/^Root hash:/ {print $3}' pfmt.txt)
uuid_of() { printf '%s' "$1" | sed -E 's/(.{8})(.{4})(.{4})(.{4})(.{12})/\1-\2-\3-\4-\5/'; }
DATA_UUID=$(uuid_of "${PRH:0:32}")
HASH_UUID=$(uuid_of "${PRH:32:32}")
sfdisk -q --part-uuid "$LOOP" 1 "$DATA_UUID"
sfdisk -q --part-uuid "$LOOP" 2 "$HASH_UUID"
partx -u "$LOOP" 2>/dev/null || true

note "a PARTLABEL=/PARTUUID= scan reads the disk's table, never a partition"
# The superblock probers on every partition, every poll, are most of a
# LABEL= scan; the partition-table tags are all in the whole disk's table.
command -v strace >/dev/null || fail "strace is missing (scripts/install-deps installs it)"
# Opens of the partitions before the timeout (whose device list probes all).
opens_of_partitions() {
	strace -f -qq -e trace=openat,write -o "$TMP/trace" "${OPEN[@]}" \
		--cmdline "roothash=$PRH systemd.verity_root_data=$1 sealroot.device_timeout=1ms" \
		>/dev/null 2>&1 || true # the spec matches nothing: the open fails by design
	grep -q 'write(.*Timed out' "$TMP/trace" || fail "$1 did not time out"
	sed '/write(.*Timed out/q' "$TMP/trace" | grep -cE "openat\(AT_FDCWD, \"${LOOP}p[12]\"" || true
}
[ "$(opens_of_partitions "LABEL=st-none-$$")" -gt 0 ] ||
	fail "a LABEL= scan opened no partition of $LOOP: the trace does not see the probes"
for spec in "PARTLABEL=st-none-$$" "PARTUUID=$(cat /proc/sys/kernel/random/uuid)"; do
	n=$(opens_of_partitions "$spec")
	[ "$n" -eq 0 ] || fail "the $spec scan opened partitions of $LOOP $n times: it probes them one by one"
done

note "two disks with the same PARTLABEL: refuse to guess"
cp disk.img disk2.img
LOOP2=$(losetup -f --show -P disk2.img)
cleanup_add "losetup -d $LOOP2"
for _ in $(seq 1 20); do [ -b "${LOOP2}p2" ] && break; sleep 0.1; done
[ -b "${LOOP2}p2" ] || partx -a "$LOOP2"
run_expect_rc 1 "${OPEN[@]}" --cmdline "roothash=$PRH systemd.verity_root_data=PARTLABEL=st-pdata-$$ sealroot.device_timeout=1s"
assert_grep "PARTLABEL=st-pdata-$$ matches 2 block devices" "$TMP/out"
assert_grep "${LOOP2}p1" "$TMP/out"
losetup -d "$LOOP2"

note "PARTLABEL= finds the partitions"
run_expect_rc 0 "${OPEN[@]}" --cmdline "roothash=$PRH systemd.verity_root_data=PARTLABEL=st-pdata-$$ systemd.verity_root_hash=PARTLABEL=st-phash-$$ sealroot.device_timeout=2s"
assert_grep "^data=${LOOP}p1$" "$TMP/out"
note "PARTLABEL= is exact: another case is another label (as udev's by-partlabel)"
run_expect_rc 1 "${OPEN[@]}" --cmdline "roothash=$PRH systemd.verity_root_data=PARTLABEL=ST-PDATA-$$ sealroot.device_timeout=300ms"
assert_grep "Timed out .* waiting for block device PARTLABEL=ST-PDATA-$$" "$TMP/out"
note "PARTUUID= in upper case"
run_expect_rc 0 "${OPEN[@]}" --cmdline "roothash=$PRH systemd.verity_root_data=PARTUUID=$(printf '%s' "$DATA_UUID" | tr a-f A-F) systemd.verity_root_hash=${LOOP}p2 sealroot.device_timeout=2s"
assert_grep "^data=${LOOP}p1$" "$TMP/out"
note "no device options: PARTUUIDs derived from the root hash"
run_expect_rc 0 "${OPEN[@]}" --cmdline "roothash=$PRH sealroot.device_timeout=2s"
assert_grep "^data=${LOOP}p1$" "$TMP/out"
assert_grep "^hash=${LOOP}p2$" "$TMP/out"
echo ok
