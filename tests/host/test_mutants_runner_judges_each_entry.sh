#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/mutants/run (make mutants) judges each entry of a list for what it is:
# a mutation its unit test catches is "killed"; one no test notices (a
# comment) "survived"; a snippet that no longer occurs exactly once is
# "stale" and one that does not compile is an error of the list -- neither
# counts as a kill; an entry that names only an e2e test waits for E2E=1.
# The score counts killed of killed+survived, and the exit status is 1 below
# the threshold or with a stale or non-compiling entry.  The tree itself is
# never changed: every mutant lives in a scratch copy.
. "$(dirname "$0")/../lib.sh"
cd "$TOP"
before=$(sha256sum helpers/persist/lock.c)

cat >"$TMP/list" <<'L'
# a small list for the runner's own test
mutant  colon-unescaped
file    helpers/persist/lock.c
find    || c == '\\\\' || c == ':';
replace || c == '\\\\';
tests   unit:test_lock

mutant  comment-only
file    helpers/persist/lock.c
find    /* Undo mountinfo's octal escapes
replace /* Undo the octal escapes of mountinfo
tests   unit:test_lock
why     a comment: nothing can notice it

mutant  gone-snippet
file    helpers/persist/lock.c
find    this text is not in lock.c
replace anything
tests   unit:test_lock

mutant  twice-snippet
file    helpers/persist/lock.c
find    return -EINVAL;
replace return -EIO;
tests   unit:test_lock

mutant  not-c
file    helpers/persist/lock.c
find    static bool needs_escape(unsigned char c)
replace static bool needs_escape(unsigned char c) +
tests   unit:test_lock

mutant  needs-vm
file    helpers/persist/lock.c
find    #define LOCK_EVENT_MAX 64
replace #define LOCK_EVENT_MAX 63
tests   e2e:test_lab_boots_plain_image
L

rc=0
tests/mutants/run -j2 --list "$TMP/list" >"$TMP/out" 2>&1 || rc=$?
cat "$TMP/out"
assert_eq "$rc" 1 "exit status with a survivor, stale entries and one that does not compile"
assert_grep '^killed +colon-unescaped +unit:test_lock' "$TMP/out"
assert_grep '^survived +comment-only' "$TMP/out"
assert_grep '^no-build +not-c' "$TMP/out"
assert_grep '^needs-e2e +needs-vm' "$TMP/out"
assert_grep '^SURVIVED' "$TMP/out"
assert_grep '^  comment-only  helpers/persist/lock.c  tests: unit:test_lock$' "$TMP/out"
assert_grep '^      a comment: nothing can notice it$' "$TMP/out"
assert_grep 'the snippet occurs 0 times in .*lock.c' "$TMP/out"
assert_grep 'the snippet occurs [2-9][0-9]* times in .*lock.c' "$TMP/out"
assert_grep '^  not-c  helpers/persist/lock.c' "$TMP/out"
assert_grep '^mutants: 1 killed, 1 survived, 1 need e2e, 2 stale, 1 do not compile' "$TMP/out"
assert_grep '^mutants: score 50.0 % \(1 of 2 killed, threshold 95 %\)$' "$TMP/out"
assert_eq "$(sha256sum helpers/persist/lock.c)" "$before" "helpers/persist/lock.c of the tree after the run"

# The killed entry alone passes the gate.
run_expect_rc 0 tests/mutants/run --list "$TMP/list" colon-unescaped
assert_grep '^mutants: score 100.0 % \(1 of 1 killed' "$TMP/out"

# A list entry with a key it does not know is refused before anything runs.
printf 'mutant  x\nfile    helpers/persist/lock.c\nfind    a\nreplace b\ntest    unit:test_lock\n' >"$TMP/bad"
run_expect_rc 1 tests/mutants/run --list "$TMP/bad"
assert_grep "bad:5: error: unknown line 'test    unit:test_lock'" "$TMP/out"
echo PASS
