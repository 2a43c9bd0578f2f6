# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/host/lib-tpm2.sh — sourced by tests/host/test_tpm2_*.sh after lib.sh.
#
#   DRIVER        build/tests/tpm2-driver (the test front end to helpers/persist/tpm2.c)
#   free_port     overridden: picks a port below the kernel's ephemeral range.
#                 lib.sh's range (20000-39999) overlaps ip_local_port_range
#                 (32768-60999), where client sockets in TIME_WAIT make
#                 swtpm's bind fail with "Address already in use".
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
