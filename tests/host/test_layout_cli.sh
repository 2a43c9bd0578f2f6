#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `sealroot layout check|plan|apply`: exit codes, exact diagnostics, --root,
# plan output (table and JSON), usage errors.
source "$(dirname "$0")/../lib.sh"

export SEALROOT_REPORT=$TMP/report.json
cd "$TMP"

# --- a clean file: the shipped default layout --------------------------------
cp "$TOP/layout/layout.env" good.env
run_expect_rc 0 "$SEALROOT" layout check good.env
assert_eq "$(cat "$TMP/out")" "good.env: ok, 9 overlays, 18 persistent binds" "check summary"

# --- a bad file: every problem, compiler style, in file order -----------------
cat >bad.env <<'EOF'
#!/bin/bash
# comment
export TMPFS_OVERLAYS_PATHS="/var $(cat /list) etc/x"
PERSISTENT_BIND_PATH="/etc/ssh"
PERSISTENT_BIND_PATHS="/etc/ssh /etc/../root /var"; reboot
OVERLAY=tmpfs:200%
EOF
rc=0
"$SEALROOT" layout check bad.env >stdout 2>stderr || rc=$?
assert_eq "$rc" 1 "check of a bad file exits 1"
assert_eq "$(cat stdout)" "" "nothing on stdout for a bad file"
cat >want <<'EOF'
bad.env:3:35: error: command substitution '$(…)' is not allowed: layout.env is parsed, not executed; write the path literally
bad.env:3:48: error: relative path 'etc/x' in TMPFS_OVERLAYS_PATHS: paths must be absolute; did you mean '/etc/x'?
bad.env:4:1: error: unknown variable 'PERSISTENT_BIND_PATH': did you mean 'PERSISTENT_BIND_PATHS'?
bad.env:5:38: error: '..' component in '/etc/../root' is not allowed: write the path without '.' and '..'
bad.env:5:46: error: '/var' is listed twice: first at line 3 in TMPFS_OVERLAYS_PATHS; remove one of them
bad.env:5:51: error: ';' would start another command: layout.env may only contain NAME="value" assignments, 'export NAME', comments and blank lines; put each on its own line
bad.env:6:15: error: OVERLAY size '200%' is not valid: write tmpfs:N% with N from 1 to 100 (a share of RAM, e.g. tmpfs:25%) or tmpfs:SIZE with an optional k, m or g suffix (e.g. tmpfs:512M)
EOF
diff -u want stderr || fail "diagnostics differ"

# plan refuses the same file with the same diagnostics
rc=0
"$SEALROOT" layout plan bad.env >stdout 2>stderr2 || rc=$?
assert_eq "$rc" 1 "plan of a bad file exits 1"
diff -u want stderr2 || fail "plan diagnostics differ"

# --- --root: mount points must exist, without symlinks ------------------------
mkdir -p root/var root/etc/ssh root/opt/.mount/tmpfs root/opt/.mount/persistence root/srv
touch root/etc/hosts
ln -s /etc root/etc/pki
cat >rooted.env <<'EOF'
TMPFS_OVERLAYS_PATHS="/var /etc/lp"
PERSISTENT_BIND_PATHS="/etc/ssh /etc/hosts /etc/pki"
EOF
rc=0
"$SEALROOT" layout check --root root rooted.env >stdout 2>stderr || rc=$?
assert_eq "$rc" 1 "check --root with a symlink exits 1"
cat >want <<'EOF'
rooted.env:1:28: warning: tmpfs overlay '/etc/lp' is skipped at boot: the image has no directory here and a tmpfs overlay needs one; add the directory to the image or remove the entry
rooted.env:2:44: error: persistent bind mount point '/etc/pki': '/etc/pki' is a symbolic link in root; mount points and their parents must be real directories or files in the image
EOF
diff -u want stderr || fail "--root diagnostics differ"
# What the boot skips is a warning only: exit 0 ...
rm root/etc/pki
mkdir root/etc/pki
"$SEALROOT" layout check --root root rooted.env >stdout 2>stderr || fail "warnings alone must exit 0"
assert_grep '^rooted.env:1:28: warning: ' stderr
assert_grep '^rooted.env: ok, 2 overlays, 3 persistent binds$' stdout
# ... unless the entry is required.
printf 'REQUIRED_PATHS=/etc/lp\n' >>rooted.env
rc=0
"$SEALROOT" layout check --root root rooted.env >stdout 2>stderr || rc=$?
assert_eq "$rc" 1 "a required entry the boot would skip exits 1"
assert_grep "^rooted.env:1:28: error: tmpfs overlay '/etc/lp' is in REQUIRED_PATHS but cannot be applied, so the boot would fail: " stderr
mkdir root/etc/lp
run_expect_rc 0 "$SEALROOT" layout check rooted.env --root root
assert_grep '^rooted.env: ok, 2 overlays, 3 persistent binds$' "$TMP/out"
run_expect_rc 1 "$SEALROOT" layout check --root "$TMP/no-such-root" rooted.env
assert_grep 'Failed to open root directory .*no-such-root' "$TMP/out"

# --- plan: table and JSON ---------------------------------------------------------
cat >plan.env <<'EOF'
PERSISTENT_BIND_PATHS="/etc/ssh /var/lib/rancher"
TMPFS_OVERLAYS_PATHS="/var
  /etc"
EOF
run_expect_rc 0 "$SEALROOT" layout plan plan.env
cat >want <<'EOF'
STEP OP      LINE TARGET             FROM
   1 tmpfs      - /opt/.mount/tmpfs  tmpfs size=25%
   2 overlay    2 /var               upper=/opt/.mount/tmpfs/var/upper work=/opt/.mount/tmpfs/var/work
   3 overlay    3 /etc               upper=/opt/.mount/tmpfs/etc/upper work=/opt/.mount/tmpfs/etc/work
   4 bind       1 /etc/ssh           /opt/.mount/persistence/etc/ssh
   5 bind       1 /var/lib/rancher   /opt/.mount/persistence/var/lib/rancher
EOF
diff -u want "$TMP/out" || fail "plan table differs"

"$SEALROOT" layout plan --json plan.env >plan.json || fail "plan --json failed"
jq -e . plan.json >/dev/null || fail "plan --json is not JSON"
assert_eq "$(jq -r '[.[].op] | join(",")' plan.json)" "tmpfs,overlay,overlay,bind,bind" "ops"
assert_eq "$(jq -r '.[4].source' plan.json)" "/opt/.mount/persistence/var/lib/rancher" "source"
assert_eq "$(jq -r '.[1].upper + " " + .[1].work' plan.json)" \
	"/opt/.mount/tmpfs/var/upper /opt/.mount/tmpfs/var/work" "upper/work"
assert_eq "$(jq -c '[.[].line]' plan.json)" "[null,2,3,1,1]" "lines"
assert_eq "$(jq -r '.[0].size' plan.json)" "25%" "tmpfs size"
assert_eq "$(jq -c '[.[] | [.required, .file]]' plan.json)" \
	"[[null,null],[false,null],[false,null],[false,false],[false,false]]" "no marks"
cat plan.env >marked.env
printf 'REQUIRED_PATHS=/var\nPERSISTENT_BIND_FILES=/var/lib/rancher\n' >>marked.env
"$SEALROOT" layout plan --json marked.env >marked.json || fail "plan --json of a marked layout failed"
assert_eq "$(jq -c '[.[] | select(.target == "/var" or .target == "/var/lib/rancher") | [.target, .required, .file]]' marked.json)" \
	'[["/var",true,null],["/var/lib/rancher",false,true]]' "REQUIRED_PATHS and PERSISTENT_BIND_FILES marks"
mkdir -p root/var/lib/rancher
run_expect_rc 0 "$SEALROOT" layout plan --json --root root plan.env
# Entries the boot would skip are warnings: the plan is printed.
run_expect_rc 0 "$SEALROOT" layout plan --json --root "$TMP" plan.env
assert_grep "^plan.env:2:23: warning: tmpfs overlay '/var' is skipped at boot" "$TMP/out"

# --- files that are not layout files ---------------------------------------------
ln -s good.env link.env
run_expect_rc 1 "$SEALROOT" layout check link.env
assert_grep 'link.env is a symbolic link' "$TMP/out"
run_expect_rc 1 "$SEALROOT" layout check "$TMP"
assert_grep 'is a directory' "$TMP/out"
run_expect_rc 1 "$SEALROOT" layout check missing.env
assert_grep 'Failed to read layout file missing.env: No such file or directory' "$TMP/out"
head -c $((1024 * 1024 + 1)) /dev/zero >big.env
run_expect_rc 1 "$SEALROOT" layout check big.env
assert_grep 'larger than 1048576 bytes' "$TMP/out"

# --- apply: an invalid file mounts nothing ------------------------------------------
mkdir -p aroot
rc=0
unshare -m bash -c '"$0" layout apply --root "$1" "$2"; rc=$?; grep -c " $1" /proc/self/mountinfo; exit $rc' \
	"$SEALROOT" "$TMP/aroot" bad.env >stdout 2>stderr || rc=$?
assert_eq "$rc" 1 "apply of an invalid file exits 1"
assert_eq "$(cat stdout)" "0" "no mount beneath the root"
assert_grep '^bad.env:3:35: error: command substitution' stderr

# --- usage ------------------------------------------------------------------------
for sub in "" check plan apply; do
	run_expect_rc 0 "$SEALROOT" layout $sub --help
	assert_grep '^Usage: sealroot layout' "$TMP/out"
done
run_expect_rc 2 "$SEALROOT" layout
run_expect_rc 2 "$SEALROOT" layout frobnicate good.env
assert_grep "unknown layout command 'frobnicate'" "$TMP/out"
run_expect_rc 2 "$SEALROOT" layout check
assert_grep 'missing the layout FILE' "$TMP/out"
run_expect_rc 2 "$SEALROOT" layout check a.env b.env
run_expect_rc 2 "$SEALROOT" layout check --bogus good.env
run_expect_rc 2 "$SEALROOT" layout check --json good.env
run_expect_rc 2 "$SEALROOT" layout check good.env --root
run_expect_rc 2 "$SEALROOT" layout apply good.env
assert_grep 'needs --root DIR' "$TMP/out"
echo "ok"
