#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The EMT store migration makes each step durable before the next one (the
# simulated power cuts of test_layout_migrate_power_cut_every_step.sh sync
# everything, so they cannot see a missing fsync; this order of system calls,
# traced with strace, can):
#   fsync(intent temp) → rename to the intent → fsync(dir) → first move;
#   every move (renameat2 RENAME_NOREPLACE) → fsync of both directories;
#   removal of an emptied EMT directory → fsync;
#   syncfs → removal of the intent → fsync.
. "$(dirname "$0")/lib-layout.sh"
. "$(dirname "$0")/lib-emt.sh"
command -v strace >/dev/null || fail "strace is needed (apt-get install strace)"
scratch_init ext4
emt_image
emt_store "$S/persist"
emt_layout "$TMP/layout.env"
export LAYOUT=$TMP/layout.env
export SEALROOT_REPORT=$S/report.json

boot '
	strace -f -qq -o "$S/trace" -e trace=rename,renameat,renameat2,fsync,fdatasync,syncfs,unlinkat \
		"$SEALROOT" layout apply --root "$R" "$LAYOUT" >"$S/out" 2>&1 ||
		{ cat "$S/out"; echo "FAIL: layout apply failed"; exit 1; }
'
python3 - "$S/trace" <<'PY'
import re, sys
calls = []
for line in open(sys.argv[1]):
    m = re.match(r"\d+\s+(\w+)\((.*)\)\s+= (-?\d+)", line)
    if m and m.group(3) == "0":
        calls.append((m.group(1), m.group(2)))
names = [c[0] for c in calls]

def fail(msg):
    print("\n".join(f"{n}({a})" for n, a in calls))
    sys.exit("FAIL: " + msg)

def at(pred, what):
    idx = [i for i, c in enumerate(calls) if pred(*c)]
    if not idx:
        fail("no " + what)
    return idx

intent = at(lambda n, a: n == "renameat" and '".sealroot-migrate-emt.tmp"' in a
            and a.rstrip().endswith('".sealroot-migrate-emt"'), "rename of the intent into place")[0]
moves = at(lambda n, a: n == "renameat2" and "RENAME_NOREPLACE" in a and ".sealroot-seed." not in a,
           "move of an EMT copy")
if len(moves) != 4:
    fail(f"{len(moves)} moves, expected 4")
if names[intent - 1] != "fsync":
    fail("the intent's temporary file is not fsync'd before it is renamed into place")
if names[intent + 1] != "fsync" or intent + 1 >= moves[0]:
    fail("the directory is not fsync'd between writing the intent and the first move")
for i in moves:
    if names[i + 1:i + 3] != ["fsync", "fsync"]:
        fail(f"move {calls[i][1]} is not followed by an fsync of both directories")
for i in at(lambda n, a: n == "unlinkat" and ".bind" in a and "AT_REMOVEDIR" in a,
            "removal of an emptied EMT directory"):
    if names[i + 1] != "fsync":
        fail(f"removal {calls[i][1]} is not followed by an fsync")
gone = at(lambda n, a: n == "unlinkat" and a.rstrip().endswith('".sealroot-migrate-emt", 0'),
          "removal of the intent")[0]
if gone < moves[-1] or names[gone - 1] != "syncfs" or names[gone + 1] != "fsync":
    fail("the intent is not removed last, after a syncfs, and followed by an fsync")
PY
assert_no_file "$S/persist/.sealroot-migrate-emt"
echo PASS
