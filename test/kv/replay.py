#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check a memcached-protocol server against recorded replies.

  test/kv/replay.py ADDRESS PORT GOLDEN [--conns N]

Sends the requests of GOLDEN (test/kv/golden.py's output: memcached
1.6.18's replies) on one connection, in order, and wants each reply byte
for byte (read until as long as the recorded one, then 100 ms more for
anything extra). Then, with --conns N, opens N connections and stores a
value through each that is read back through another one (a server with
several threads must have one key space). Prints one RESULT line; exit
status 0 only if everything matched.
"""
import socket
import sys
import time


def unescape(s):
    return s.encode().decode("unicode_escape").encode("latin-1")


def read_reply(s, want_len, quiet=0.1, limit=5.0):
    """What comes back: at least WANT_LEN bytes (within LIMIT s), and
    what else is already there. With WANT_LEN 0, what comes within QUIET
    s. Bytes a server sends beyond a reply, and sends late, are not
    waited for here: they come before the next reply and make it differ
    (and tail() reads them after the last one)."""
    got = b""
    end = time.time() + limit
    s.settimeout(quiet)
    while time.time() < end:
        if want_len and len(got) >= want_len:
            s.settimeout(0)
        try:
            d = s.recv(65536)
        except (socket.timeout, BlockingIOError):
            if len(got) >= want_len:
                break
            continue
        if not d:
            break
        got += d
    s.settimeout(5)
    return got


def tail(s, quiet=0.3):
    """Bytes that came after the last reply (none is wanted)."""
    s.settimeout(quiet)
    try:
        return s.recv(65536)
    except socket.timeout:
        return b""


def golden(addr, port, path):
    s = socket.create_connection((addr, port), timeout=5)
    n = bad = 0
    req = None
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("> "):
            req = unescape(line[2:])
            continue
        if not line.startswith("<") or req is None:
            continue
        want = unescape(line[2:]) if len(line) > 1 else b""
        s.sendall(req)
        got = read_reply(s, len(want), quiet=0.1 if want else 0.05)
        n += 1
        if got != want:
            bad += 1
            if bad <= 10:
                print("# request %r: want %r, got %r" % (req[:80], want[:120], got[:120]))
        req = None
    extra = tail(s)
    if extra:
        bad += 1
        print("# after the last reply: %r" % extra[:120])
    s.close()
    return n, bad


def key_space(addr, port, nconns):
    conns = [socket.create_connection((addr, port), timeout=5) for _ in range(nconns)]
    bad = 0
    for i, s in enumerate(conns):
        v = b"value-%d" % i
        s.sendall(b"set ks%d %d 0 %d\r\n%s\r\n" % (i, i, len(v), v))
        if read_reply(s, 8) != b"STORED\r\n":
            bad += 1
    for i in range(nconns):
        s = conns[(i + 1) % nconns]
        v = b"value-%d" % i
        want = b"VALUE ks%d %d %d\r\n%s\r\nEND\r\n" % (i, i, len(v), v)
        s.sendall(b"get ks%d\r\n" % i)
        if read_reply(s, len(want)) != want:
            bad += 1
    for s in conns:
        s.close()
    return bad


def main():
    addr, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    nconns = 0
    if len(sys.argv) > 5 and sys.argv[4] == "--conns":
        nconns = int(sys.argv[5])
    n, bad = golden(addr, port, path)
    ks_bad = key_space(addr, port, nconns) if nconns else 0
    print("RESULT kv-replay requests=%d mismatches=%d keyspace_conns=%d keyspace_bad=%d"
          % (n, bad, nconns, ks_bad))
    sys.exit(0 if n > 100 and not bad and not ks_bad else 1)


main()
