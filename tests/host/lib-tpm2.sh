# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/host/lib-tpm2.sh — sourced by tests/host/test_tpm2_*.sh after lib.sh.
#
#   DRIVER        build/tests/tpm2-driver (the test front end to helpers/persist/tpm2.c)
#   free_port     overridden: picks a port below the kernel's ephemeral range.
#                 lib.sh's range (20000-39999) overlaps ip_local_port_range
#                 (32768-60999), where client sockets in TIME_WAIT make
#                 swtpm's bind fail with "Address already in use".
#   SVN_IDX       the handle of the SVN NV index (TPM2_SVN_NV_INDEX, tpm2_svn.h)
#   D ARGS…       DRIVER ARGS… on this test's swtpm (after swtpm_start)
#   random_hex32  32 random bytes in hex (a nonce)
#   svn_tpm_setup swtpm in $TMP/tpm with tpm2-tools pointed at it; sets nonce
#                 (random) and A, the SVN index's authPolicy for that nonce
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

DRIVER=$TOP/build/tests/tpm2-driver
[ -x "$DRIVER" ] || fail "missing $DRIVER: run make build/tests/tpm2-driver"

free_port() {
	local p lo
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	for _ in $(seq 1 200); do
		p=$(((RANDOM % (lo - 10002)) + 10000))
		if ! (: >"/dev/tcp/127.0.0.1/$p") 2>/dev/null && ! (: >"/dev/tcp/127.0.0.1/$((p + 1))") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# shellcheck disable=SC2034 # used by the tests that source this
SVN_IDX=0x01805356

D() { "$DRIVER" "$SWTPM_TCTI" "$@"; }

random_hex32() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

svn_tpm_setup() {
	swtpm_start "$TMP/tpm"
	export TPM2TOOLS_TCTI="$SWTPM_TCTI"
	nonce=$(random_hex32)
	# shellcheck disable=SC2034 # used by the tests that source this
	A=$(D svn-policy "$nonce") || fail "svn-policy $nonce"
}
