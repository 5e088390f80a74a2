#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host-side peers of the hostile-context stage (test/selftests/hostile.sh).

They load a hostile application on ixdp; whether ixdp copes is judged in
the guest. Every loop is bounded by --hold (and the harness's 120 s).

flood HOST PORT CONNS [--bytes N] [--chunk C] [--hold S]
    Open CONNS connections at once (non-blocking) and send N bytes on each
    in C-byte writes (TCP_NODELAY), then keep them open, reading whatever
    comes, until every one has ended (reset, EOF, refused) or S seconds
    have passed; connections still open then are reset. Connections still
    connecting are given up once no established one is left. Prints one
    summary line. Exit 0 if all CONNS attempts were made, at least one
    connection was established and at least one byte was sent.
listen PORT COUNT [--hold S]
    Accept up to COUNT connections on PORT (backlog 4096), read and drop
    what they send, and end once at least one was accepted and all that
    were have ended with nothing new for 2 s, or after S seconds. Exit 0
    if at least one connection was accepted.
"""
import argparse
import errno
import resource
import selectors
import socket
import struct
import sys
import time


def more_files(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(soft, n + 64)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    except (ValueError, OSError):
        pass


def rst_close(s):
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
    except OSError:
        pass
    s.close()


def flood(args):
    more_files(args.conns)
    deadline = time.monotonic() + args.hold
    sel = selectors.DefaultSelector()
    payload = bytes(range(256)) * (args.chunk // 256 + 1)
    conns = []
    attempts = 0
    for i in range(args.conns):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        attempts += 1
        rc = s.connect_ex((args.host, args.port))
        if rc not in (0, errno.EINPROGRESS):
            s.close()
            conns.append({"s": None, "end": errno.errorcode.get(rc, rc)})
            continue
        c = {"s": s, "up": False, "sent": 0, "end": None}
        conns.append(c)
        sel.register(s, selectors.EVENT_WRITE | selectors.EVENT_READ, c)
    est = sent = 0
    ended = {}

    def end(c, why):
        ended[why] = ended.get(why, 0) + 1
        c["end"] = why
        sel.unregister(c["s"])
        if why == "hold":
            rst_close(c["s"])
        else:
            c["s"].close()

    for c in conns:
        if c["s"] is None:
            ended[c["end"]] = ended.get(c["end"], 0) + 1
    live = [c for c in conns if c["s"] is not None]
    while live and time.monotonic() < deadline:
        for key, ev in sel.select(timeout=0.2):
            c = key.data
            if c["end"]:
                continue
            s = c["s"]
            if not c["up"]:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    end(c, errno.errorcode.get(err, str(err)))
                    continue
                c["up"] = True
                est += 1
            try:
                if ev & selectors.EVENT_WRITE:
                    if c["sent"] < args.bytes:
                        n = min(args.chunk, args.bytes - c["sent"])
                        k = s.send(payload[:n])
                        c["sent"] += k
                        sent += k
                    if c["sent"] >= args.bytes:
                        sel.modify(s, selectors.EVENT_READ, c)
                if ev & selectors.EVENT_READ:
                    if not s.recv(65536):
                        end(c, "eof")
            except (BlockingIOError, InterruptedError):
                pass
            except ConnectionResetError:
                end(c, "reset")
            except OSError as e:
                end(c, errno.errorcode.get(e.errno, str(e.errno)))
        live = [c for c in live if not c["end"]]
        if live and ended and not any(c["up"] for c in live):
            for c in live:
                end(c, "gave-up")
            live = []
    for c in live:
        end(c, "hold")
    print(f"flood: {attempts} of {args.conns} attempts to {args.host}:"
          f"{args.port}, {est} established, {sent} bytes sent, "
          f"ends {ended}")
    return 0 if attempts == args.conns and est and sent else 1


def listen(args):
    more_files(args.count)
    deadline = time.monotonic() + args.hold
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", args.port))
    ls.listen(4096)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)
    accepted = live = 0
    ended = {}
    last = time.monotonic()
    while time.monotonic() < deadline:
        if accepted and not live and time.monotonic() - last > 2:
            break
        for key, _ in sel.select(timeout=0.2):
            if key.data is None:
                while accepted < args.count:
                    try:
                        s, _ = ls.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    s.setblocking(False)
                    sel.register(s, selectors.EVENT_READ, 1)
                    accepted += 1
                    live += 1
                    last = time.monotonic()
                continue
            s = key.fileobj
            try:
                if s.recv(65536):
                    continue
                why = "eof"
            except (BlockingIOError, InterruptedError):
                continue
            except ConnectionResetError:
                why = "reset"
            except OSError as e:
                why = errno.errorcode.get(e.errno, str(e.errno))
            ended[why] = ended.get(why, 0) + 1
            sel.unregister(s)
            s.close()
            live -= 1
            last = time.monotonic()
    if live:
        ended["hold"] = live
    for key in list(sel.get_map().values()):
        if key.data is not None:
            rst_close(key.fileobj)
    ls.close()
    print(f"listen: port {args.port}: {accepted} accepted, ends {ended}")
    return 0 if accepted else 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("flood")
    m.add_argument("host")
    m.add_argument("port", type=int)
    m.add_argument("conns", type=int)
    m.add_argument("--bytes", type=int, default=65536)
    m.add_argument("--chunk", type=int, default=1024)
    m.add_argument("--hold", type=float, default=60)
    m = sub.add_parser("listen")
    m.add_argument("port", type=int)
    m.add_argument("count", type=int)
    m.add_argument("--hold", type=float, default=60)
    args = p.parse_args()
    return {"flood": flood, "listen": listen}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
