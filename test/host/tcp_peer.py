#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Linux-side TCP peers for ixdp's in-guest tests.

echo HOST PORT CONNS BYTES [--chunk N] [--allow-reset]
    CONNS concurrent connections each send BYTES of a per-connection
    pseudo-random stream, read the echo back, compare every byte, then
    close gracefully (shutdown for writing, read to EOF). Exit 0 only if
    every byte matched and no connection was reset.
refused HOST PORT
    A connection attempt to a closed port must be refused (RST).
"""
import argparse
import random
import selectors
import socket
import sys
import time


def stream(seed, n):
    return random.Random(seed).randbytes(n)


def echo(args):
    sel = selectors.DefaultSelector()
    conns = []
    for i in range(args.conns):
        s = socket.create_connection((args.host, args.port), timeout=10)
        s.setblocking(False)
        c = {"sock": s, "tx": stream(i + 1, args.bytes), "sent": 0,
             "rx": bytearray(), "eof": False, "shut": False, "id": i}
        conns.append(c)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, c)
    start = time.monotonic()
    deadline = start + args.timeout
    resets = 0
    open_conns = len(conns)
    while open_conns and time.monotonic() < deadline:
        for key, ev in sel.select(timeout=1):
            c = key.data
            s = c["sock"]
            try:
                if ev & selectors.EVENT_WRITE and c["sent"] < len(c["tx"]):
                    end = min(len(c["tx"]), c["sent"] + args.chunk)
                    c["sent"] += s.send(c["tx"][c["sent"]:end])
                if c["sent"] == len(c["tx"]) and not c["shut"]:
                    s.shutdown(socket.SHUT_WR)
                    c["shut"] = True
                    sel.modify(s, selectors.EVENT_READ, c)
                if ev & selectors.EVENT_READ:
                    data = s.recv(65536)
                    if data:
                        c["rx"] += data
                    else:
                        c["eof"] = True
            except (ConnectionResetError, BrokenPipeError):
                resets += 1
                c["eof"] = True
            if c["eof"]:
                sel.unregister(s)
                s.close()
                open_conns -= 1
    elapsed = time.monotonic() - start
    bad = sum(1 for c in conns if bytes(c["rx"]) != c["tx"])
    total = sum(len(c["rx"]) for c in conns)
    print(f"echo: {args.conns} connections, {total} of "
          f"{args.conns * args.bytes} bytes back in {elapsed:.1f}s "
          f"({total / max(elapsed, 1e-6) / 1e6:.2f} MB/s), "
          f"{bad} mismatched, {resets} reset, {open_conns} unfinished")
    if open_conns or bad:
        return 1
    if resets and not args.allow_reset:
        return 1
    return 0


def refused(args):
    try:
        socket.create_connection((args.host, args.port), timeout=5).close()
    except ConnectionRefusedError:
        print("refused: got RST")
        return 0
    except OSError as e:
        print(f"refused: {e}")
        return 1
    print("refused: connection was accepted")
    return 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("echo")
    e.add_argument("host")
    e.add_argument("port", type=int)
    e.add_argument("conns", type=int)
    e.add_argument("bytes", type=int)
    e.add_argument("--chunk", type=int, default=16384)
    e.add_argument("--timeout", type=float, default=90)
    e.add_argument("--allow-reset", action="store_true")
    r = sub.add_parser("refused")
    r.add_argument("host")
    r.add_argument("port", type=int)
    args = p.parse_args()
    return echo(args) if args.cmd == "echo" else refused(args)


if __name__ == "__main__":
    sys.exit(main())
