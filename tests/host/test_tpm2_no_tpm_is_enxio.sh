#!/bin/bash
# No TPM behind the TCTI: -ENXIO (6) with a message naming the TCTI.
source "$(dirname "$0")/lib-tpm2.sh"

port=$(free_port) || fail "no free port"
run_expect_rc 6 "$DRIVER" "swtpm:host=127.0.0.1,port=$port" random 8
assert_grep "Cannot connect to TPM 'swtpm:host=127.0.0.1,port=$port'" "$TMP/out"
# tpm2-tss's own stderr chatter is silenced; one sealroot message remains.
assert_no_grep "^(ERROR|WARNING):" "$TMP/out"
assert_eq "$(wc -l <"$TMP/out")" 1 "lines of output"
run_expect_rc 6 "$DRIVER" "device:$TMP/no-such-tpm" random 8
run_expect_rc 6 "$DRIVER" "no-such-tcti:foo" random 8
echo "ok: missing TPM is ENXIO"
