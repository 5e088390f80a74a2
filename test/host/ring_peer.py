#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host-side TCP peers for the ring selftests (test/selftests/rings.sh).

Each mode connects to an application served through ixdp's command and
event rings and checks what the test expects of it. Connection attempts
that are refused are retried (the application may still be attaching)
until --timeout.

busy HOST PORT CONNS [--size N] [--timeout S]
    CONNS connections, each echoing pseudo-random messages of 1..N bytes
    in lockstep (send one, read it back, compare) until the connection is
    reset. Exit 0 only if all CONNS connected, every echoed byte matched,
    every connection had at least one message echoed, and every one ended
    with a reset (not a graceful EOF, not the timeout): the guest kills
    the application mid-traffic.
hold HOST PORT CONNS [--timeout S]
    CONNS connections that send one line and then wait. Exit 0 only if
    every connection ends with a reset (its application is torn down).
chaos HOST PORT CONNS [--timeout S]
    Up to CONNS connections at a time that send random bytes, read what
    comes, and end by close, half-close or reset at random, for as long
    as the port accepts connections (it stops 3 s after the first refusal
    that follows a success). Anything the guest does is tolerated; exit 0
    if at least one connection was made.
late HOST PORT [--delay S] [--timeout S]
    Sleep S seconds, connect, send a message, expect it echoed byte-exact,
    half-close and expect a graceful EOF. Exit 0 only if so.
probe HOST PORT [--timeout S]
    Wait until the port accepts a connection, then close it gracefully.
burst HOST PORT CONNS [--timeout S]
    CONNS non-blocking connects at once, each sending a line once
    connected; refused ones are tried again only until the first one
    connects (the listener may not be up yet). A listener that is full
    (its backlog of connections not yet accepted) drops SYNs and last ACKs
    as Linux does, so some wait. Exit 0 only if some connected and every
    one ends with a reset or a refusal (the guest's listener goes away),
    none with an EOF or the timeout.
"""
import argparse
import errno
import random
import selectors
import socket
import struct
import sys
import time


def connect(host, port, deadline):
    """A connected blocking socket, retrying refusals until deadline."""
    while True:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(max(0.5, min(5.0, deadline - time.monotonic())))
        try:
            s.connect((host, port))
            return s
        except OSError as e:
            s.close()
            if time.monotonic() >= deadline:
                raise
            if e.errno not in (errno.ECONNREFUSED, errno.ETIMEDOUT,
                               errno.EHOSTUNREACH, None):
                raise
            time.sleep(0.2)


def rst_close(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                 struct.pack("ii", 1, 0))
    s.close()


def busy(args):
    deadline = time.monotonic() + args.timeout
    sel = selectors.DefaultSelector()
    conns = []
    for i in range(args.conns):
        try:
            s = connect(args.host, args.port, deadline)
        except OSError as e:
            print(f"busy: connection {i}: {e}")
            return 1
        s.setblocking(False)
        c = {"id": i, "s": s, "rng": random.Random(1000 + i), "tx": b"",
             "sent": 0, "rx": bytearray(), "msgs": 0, "end": None}
        conns.append(c)
        new_msg(c, args.size)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, c)
    live = len(conns)
    while live and time.monotonic() < deadline:
        for key, ev in sel.select(timeout=0.5):
            c = key.data
            try:
                if ev & selectors.EVENT_WRITE and c["sent"] < len(c["tx"]):
                    c["sent"] += c["s"].send(c["tx"][c["sent"]:])
                    if c["sent"] == len(c["tx"]):
                        sel.modify(c["s"], selectors.EVENT_READ, c)
                if ev & selectors.EVENT_READ:
                    data = c["s"].recv(65536)
                    if not data:
                        c["end"] = "eof"
                    else:
                        c["rx"] += data
                        want = c["tx"][:len(c["rx"])]
                        if bytes(c["rx"]) != want:
                            c["end"] = "mismatch"
                        elif len(c["rx"]) == len(c["tx"]):
                            c["msgs"] += 1
                            new_msg(c, args.size)
                            sel.modify(c["s"], selectors.EVENT_READ |
                                       selectors.EVENT_WRITE, c)
            except (ConnectionResetError, BrokenPipeError):
                c["end"] = "reset"
            if c["end"]:
                sel.unregister(c["s"])
                c["s"].close()
                live -= 1
    ends = {}
    for c in conns:
        ends[c["end"] or "timeout"] = ends.get(c["end"] or "timeout", 0) + 1
    idle = sum(1 for c in conns if c["msgs"] == 0)
    msgs = sum(c["msgs"] for c in conns)
    print(f"busy: {len(conns)} connections, {msgs} messages echoed, "
          f"{idle} without an echo, ends {ends}")
    ok = ends.get("reset", 0) == args.conns and idle == 0
    return 0 if ok else 1


def new_msg(c, size):
    n = c["rng"].randint(1, size)
    c["tx"] = c["rng"].randbytes(n)
    c["sent"] = 0
    c["rx"] = bytearray()


def hold(args):
    deadline = time.monotonic() + args.timeout
    socks = []
    ends = {}
    for i in range(args.conns):
        try:
            s = connect(args.host, args.port, deadline)
        except ConnectionResetError:
            # Rejected so fast that connect() saw the reset itself.
            ends["reset"] = ends.get("reset", 0) + 1
            continue
        except OSError as e:
            print(f"hold: connection {i}: {e}")
            return 1
        try:
            s.sendall(f"hello {i}\n".encode())
        except (ConnectionResetError, BrokenPipeError):
            # Reset at once (rejected): that is an end too.
            ends["reset"] = ends.get("reset", 0) + 1
            s.close()
            continue
        s.setblocking(False)
        socks.append(s)
    sel = selectors.DefaultSelector()
    for i, s in enumerate(socks):
        sel.register(s, selectors.EVENT_READ, i)
    live = len(socks)
    while live and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            try:
                if s.recv(65536):
                    continue
                end = "eof"
            except ConnectionResetError:
                end = "reset"
            ends[end] = ends.get(end, 0) + 1
            sel.unregister(s)
            s.close()
            live -= 1
    if live:
        ends["timeout"] = live
    print(f"hold: {args.conns} connections, ends {ends}")
    return 0 if ends.get("reset", 0) == args.conns else 1


def chaos(args):
    rng = random.Random(4242)
    deadline = time.monotonic() + args.timeout
    socks = []
    made = refused = 0
    refused_since = None
    while time.monotonic() < deadline:
        if refused_since and time.monotonic() - refused_since > 3:
            break
        if len(socks) < args.conns:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(1)
            try:
                s.connect((args.host, args.port))
                s.setblocking(False)
                socks.append(s)
                made += 1
                refused_since = None
            except OSError:
                s.close()
                refused += 1
                if made and refused_since is None:
                    refused_since = time.monotonic()
                time.sleep(0.05)
        for s in list(socks):
            try:
                s.send(rng.randbytes(rng.randint(1, 3000)))
                s.recv(65536)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                socks.remove(s)
                s.close()
                continue
            r = rng.random()
            if r < 0.005:
                socks.remove(s)
                rst_close(s)
            elif r < 0.01:
                socks.remove(s)
                s.close()
            elif r < 0.015:
                try:
                    s.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
        time.sleep(0.01)
    for s in socks:
        rst_close(s)
    print(f"chaos: {made} connections made, {refused} attempts refused")
    return 0 if made else 1


def late(args):
    time.sleep(args.delay)
    deadline = time.monotonic() + args.timeout
    try:
        s = connect(args.host, args.port, deadline)
        msg = random.Random(7).randbytes(1000)
        s.sendall(msg)
        got = bytearray()
        while len(got) < len(msg):
            data = s.recv(65536)
            if not data:
                break
            got += data
        s.shutdown(socket.SHUT_WR)
        rest = s.recv(65536)
        s.close()
    except OSError as e:
        print(f"late: {e}")
        return 1
    ok = bytes(got) == msg and rest == b""
    print(f"late: {len(got)} of {len(msg)} bytes echoed, "
          f"{'matching' if bytes(got) == msg else 'MISMATCH'}, "
          f"{'EOF' if rest == b'' else 'extra bytes'} after half-close")
    return 0 if ok else 1


def probe(args):
    deadline = time.monotonic() + args.timeout
    try:
        s = connect(args.host, args.port, deadline)
        s.shutdown(socket.SHUT_WR)
        s.settimeout(5)
        while s.recv(65536):
            pass
        s.close()
    except OSError as e:
        print(f"probe: {e}")
        return 1
    print("probe: connected")
    return 0


def burst(args):
    deadline = time.monotonic() + args.timeout
    sel = selectors.DefaultSelector()
    ends = {}
    connected = 0

    def start(i):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((args.host, args.port))
        sel.register(s, selectors.EVENT_WRITE, i)

    for i in range(args.conns):
        start(i)
    live = args.conns
    while live and time.monotonic() < deadline:
        for key, ev in sel.select(timeout=0.5):
            s, i = key.fileobj, key.data
            end = None
            if ev & selectors.EVENT_WRITE:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err == errno.ECONNREFUSED and not connected:
                    # Nobody listens yet: the guest is still starting.
                    sel.unregister(s)
                    s.close()
                    time.sleep(0.2)
                    start(i)
                    continue
                if err:
                    end = "refused" if err == errno.ECONNREFUSED else \
                        errno.errorcode.get(err, str(err))
                else:
                    connected += 1
                    try:
                        s.send(f"hello {i}\n".encode())
                        sel.modify(s, selectors.EVENT_READ, i)
                    except OSError:
                        end = "reset"
            else:
                try:
                    data = s.recv(65536)
                except ConnectionResetError:
                    end = "reset"
                except BlockingIOError:
                    continue
                else:
                    if data:
                        continue
                    end = "eof"
            if end:
                ends[end] = ends.get(end, 0) + 1
                sel.unregister(s)
                s.close()
                live -= 1
    if live:
        ends["timeout"] = live
    print(f"burst: {args.conns} connections, {connected} connected, ends {ends}")
    good = ends.get("reset", 0) + ends.get("refused", 0)
    return 0 if good == args.conns and connected else 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, conns in (("busy", True), ("hold", True), ("chaos", True),
                        ("late", False), ("probe", False),
                        ("burst", True)):
        m = sub.add_parser(name)
        m.add_argument("host")
        m.add_argument("port", type=int)
        if conns:
            m.add_argument("conns", type=int)
        m.add_argument("--timeout", type=float, default=60)
        if name == "busy":
            m.add_argument("--size", type=int, default=8192)
        if name == "late":
            m.add_argument("--delay", type=float, default=2)
    args = p.parse_args()
    return {"busy": busy, "hold": hold, "chaos": chaos, "late": late,
            "probe": probe, "burst": burst}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
