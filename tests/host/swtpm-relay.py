#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Test-only relay between a tpm2-tss "swtpm:" TCTI and a swtpm, for the
host tests of 'persist unlock' (test_persist_unlock_*.sh).

Usage: swtpm-relay.py LISTEN_PORT SWTPM_PORT extend-before-unseal
       swtpm-relay.py LISTEN_PORT SWTPM_PORT hold-primary FILE SECONDS

Relays the command port (LISTEN_PORT -> SWTPM_PORT) and the control port
(LISTEN_PORT+1 -> SWTPM_PORT+1) on 127.0.0.1, and prints "ready" once both
ports listen.  What it does besides, by mode:

extend-before-unseal  Right before it relays the first TPM2_Unseal, it sends
    the swtpm a TPM2_PCR_Extend of PCR 9 of its own and drops the answer: the
    TPM's PCR update counter moves between the policy session's PolicyPCR and
    the Unseal, so that Unseal fails with TPM_RC_PCR_CHANGED and the client
    has to try again in a new session.  PCR 9 is in no policy the tests use,
    so the second attempt succeeds.  "injected" on stderr when it extended.
hold-primary  When the first TPM2_CreatePrimary arrives it prints
    "create-primary" and holds that command until FILE exists (at most
    SECONDS), then relays it: "released" on stderr, or "timed out" when FILE
    did not appear.  A client that waits for that answer before doing
    anything else stalls for SECONDS.
"""
import os
import socket
import struct
import sys
import threading
import time

CC_CREATE_PRIMARY = 0x131
CC_UNSEAL = 0x15E
CC_PCR_EXTEND = 0x182
TPM_ST_SESSIONS = 0x8002
TPM_RS_PW = 0x40000009
TPM_ALG_SHA256 = 0x000B
PCR = 9

injected = threading.Event()
held = threading.Event()
mode, mode_args = None, []


def close(*socks):
    # shutdown() first: it also wakes a thread blocked in recv() on the
    # socket, which close() alone does not, and the swtpm serves one
    # connection per port at a time.
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def read_message(sock):
    """One TPM command or response: tag, size, code, then the rest."""
    head = read_exact(sock, 10)
    size = struct.unpack(">I", head[2:6])[0]
    return head + read_exact(sock, size - 10)


def pcr_extend_command():
    auth = struct.pack(">IHBH", TPM_RS_PW, 0, 0, 0)
    body = struct.pack(">I", PCR) + struct.pack(">I", len(auth)) + auth
    body += struct.pack(">IH", 1, TPM_ALG_SHA256) + bytes(range(32))
    return struct.pack(">HII", TPM_ST_SESSIONS, 10 + len(body), CC_PCR_EXTEND) + body


def hold_until(path, seconds):
    print("create-primary", flush=True)
    deadline = time.monotonic() + float(seconds)
    while not os.path.exists(path):
        if time.monotonic() >= deadline:
            print("timed out", file=sys.stderr, flush=True)
            return
        time.sleep(0.02)
    print("released", file=sys.stderr, flush=True)


def relay_commands(client, upstream):
    try:
        while True:
            cmd = read_message(client)
            cc = struct.unpack(">I", cmd[6:10])[0]
            if mode == "hold-primary" and cc == CC_CREATE_PRIMARY and not held.is_set():
                held.set()
                hold_until(*mode_args)
            if mode == "extend-before-unseal" and cc == CC_UNSEAL and not injected.is_set():
                upstream.sendall(pcr_extend_command())
                rc = struct.unpack(">I", read_message(upstream)[6:10])[0]
                injected.set()
                print("injected PCR_Extend(%d): rc 0x%x" % (PCR, rc), file=sys.stderr, flush=True)
            upstream.sendall(cmd)
            client.sendall(read_message(upstream))
    except (EOFError, OSError):
        pass
    finally:
        close(client, upstream)


def pump(src, dst):
    try:
        while True:
            data = src.recv(4096)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        close(src, dst)


def relay_control(client, upstream):
    threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
    pump(client, upstream)


def serve(listener, upstream_port, handler):
    while True:
        client, _ = listener.accept()
        upstream = socket.create_connection(("127.0.0.1", upstream_port))
        threading.Thread(target=handler, args=(client, upstream), daemon=True).start()


def listen(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(4)
    return s


def main():
    global mode, mode_args
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    listen_port, swtpm_port = int(sys.argv[1]), int(sys.argv[2])
    mode, mode_args = sys.argv[3], sys.argv[4:]
    if (mode, len(mode_args)) not in (("extend-before-unseal", 0), ("hold-primary", 2)):
        sys.exit(__doc__)
    data, ctrl = listen(listen_port), listen(listen_port + 1)
    threading.Thread(target=serve, args=(ctrl, swtpm_port + 1, relay_control), daemon=True).start()
    print("ready", flush=True)
    serve(data, swtpm_port, relay_commands)


if __name__ == "__main__":
    main()
