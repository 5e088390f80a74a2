#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A tolerant TCP server on the host side of the tap for the command
fuzzer (test/selftests/fuzz_cmds.c), whose contexts connect to it.

fuzz_peer.py PORT [--max S] [--idle S]

Accepts every connection, echoes what arrives, and ends connections by
close, half-close or reset at random. Anything the guest does is
tolerated. It stops after --max seconds, or once no connection has come
for --idle seconds after the first one. Prints its counts; exit 0 if it
could listen.
"""
import argparse
import random
import selectors
import socket
import struct
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--max", type=float, default=100)
    ap.add_argument("--idle", type=float, default=10)
    args = ap.parse_args()
    rng = random.Random(args.port)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("198.18.0.1", args.port))
    ls.listen(128)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ)
    start = time.monotonic()
    last = None
    accepted = echoed = resets = closes = errors = 0
    while True:
        now = time.monotonic()
        if now - start > args.max:
            break
        if last is not None and now - last > args.idle:
            break
        for key, _ in sel.select(0.2):
            s = key.fileobj
            if s is ls:
                try:
                    c, _ = ls.accept()
                except OSError:
                    continue
                c.setblocking(False)
                sel.register(c, selectors.EVENT_READ)
                accepted += 1
                last = time.monotonic()
                continue
            try:
                data = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                errors += 1
                data = b""
            r = rng.random()
            if not data or r < 0.02:
                sel.unregister(s)
                if data and r < 0.01:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
                    resets += 1
                else:
                    closes += 1
                s.close()
                continue
            try:
                echoed += s.send(data)
            except OSError:
                pass
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    print(f"fuzz-peer: {accepted} connections, {echoed} bytes echoed, "
          f"{closes} closed, {resets} reset, {errors} errors")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
