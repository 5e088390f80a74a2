#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare two memcached-protocol servers live, reply by reply.

  test/kv/conform.py REF_ADDR REF_PORT TEST_ADDR TEST_PORT CASES ALLOW

CASES is test/kv/cases.txt (one C-escaped request a line, "#" comments;
golden.py's input): read when this runs, so cases added later are
covered. Each request goes on one connection to each server at once (the
state carries from line to line, as in golden.py); a reply is what comes
back until the connection has been quiet for 100 ms (20 ms once both
servers' replies are alike, short and end a line). Replies that differ
are read again for 500 ms more (a late reply is not a difference), and a
server that closes the connection is noted as "<closed>" in its reply and
reconnected before the next request.

ALLOW (test/kv/conform-allow.txt) lists the differences that are
intended: in each entry a regular expression over one reply line without
its "\\r\\n"; where it matches a whole line, of either reply, its groups
are replaced by "*" before the replies are compared. A reply that matches
only so is counted as "masked"; one that differs all the same is listed.

Prints each difference (the request, both replies), then one RESULT
line. Exit status 0 only if no reply differed and every request was
answered alike by both servers.
"""
import difflib
import re
import selectors
import socket
import sys
import time


def unescape(s):
    return s.encode().decode("unicode_escape").encode("latin-1")


def load_allow(path):
    """(compiled pattern, reason) for each entry: REGEX  # reason."""
    allow = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        regex, _, reason = line.partition("  # ")
        allow.append((re.compile(regex.strip().encode("latin-1")),
                      reason.strip()))
    return allow


class Peer:
    """One server, one connection, reopened after the server closes it."""

    def __init__(self, name, addr, port):
        self.name, self.addr, self.port = name, addr, port
        self.s = None
        self.got = b""
        self.connect()

    def connect(self):
        self.s = socket.create_connection((self.addr, self.port), timeout=5)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.closed = False

    def send(self, data):
        try:
            self.s.sendall(data)
        except OSError as e:
            self.closed = True
            return b"<send: %s>" % str(e).encode()
        return b""

    def take(self):
        """One read of what is there; False once the connection ended."""
        try:
            d = self.s.recv(65536)
        except (BlockingIOError, socket.timeout):
            return True
        except OSError as e:
            self.got += b"<recv: %s>" % str(e).encode()
            self.closed = True
            return False
        if not d:
            self.got += b"<closed>"
            self.closed = True
            return False
        self.got += d
        return True

    def reopen(self):
        if self.closed:
            self.s.close()
            self.connect()


def alike(peers):
    """Both replies there, the same, each ending a line and shorter than
    a segment (so not the first part of a longer one): then a short
    quiet is enough. A line one server sends later comes before its
    next reply, which then differs; lines both send later compare
    alike there too."""
    g = [p.got for p in peers]
    return (all(g) and len(g[0]) < 1024 and g[0].endswith(b"\r\n") and
            all(x == g[0] for x in g))


def read_all(peers, quiet, limit=5.0, settle=0.02):
    """What each peer sends until all have been quiet for QUIET s (SETTLE
    s once the replies are alike; at most LIMIT s), read at once."""
    sel = selectors.DefaultSelector()
    now = time.monotonic()
    end = now + limit
    last = {}
    for p in peers:
        p.got = b""
        if not p.closed:
            p.s.setblocking(False)
            sel.register(p.s, selectors.EVENT_READ, p)
            last[p] = now
    while last and time.monotonic() < end:
        q = min(quiet, settle) if alike(peers) else quiet
        wait = max(last.values()) + q - time.monotonic()
        if wait <= 0:
            break
        for key, _ in sel.select(wait):
            p = key.data
            if p.take():
                last[p] = time.monotonic()
            else:
                sel.unregister(p.s)
                del last[p]
    sel.close()
    for p in peers:
        if not p.closed:
            p.s.settimeout(5)
    return [p.got for p in peers]


def mask(reply, allow, used):
    """REPLY with the allowed parts of its lines replaced by "*"."""
    lines = reply.split(b"\r\n")
    for i, line in enumerate(lines):
        for n, (pat, _) in enumerate(allow):
            m = pat.fullmatch(line)
            if not m:
                continue
            used.add(n)
            out, at = b"", 0
            for g in range(1, (m.lastindex or 0) + 1):
                if m.start(g) < 0:
                    continue
                out += line[at:m.start(g)] + b"*"
                at = m.end(g)
            lines[i] = out + line[at:]
            break
    return b"\r\n".join(lines)


def main():
    ref_addr, ref_port, test_addr, test_port, cases, allow_path = sys.argv[1:7]
    allow = load_allow(allow_path)
    ref = Peer("memcached", ref_addr, int(ref_port))
    test = Peer("server", test_addr, int(test_port))
    n = same = masked = 0
    diffs = []
    used = set()
    for line in open(cases, encoding="latin-1"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        req = unescape(line)
        n += 1
        peers = (ref, test)
        r = [p.send(req) for p in peers]
        r = [a + b for a, b in zip(r, read_all(peers, 0.1))]
        if r[0] != r[1]:
            # A late reply is not a difference: give both more time.
            r = [a + b for a, b in zip(r, read_all(peers, 0.5))]
        if r[0] == r[1]:
            same += 1
        else:
            u = set()
            if mask(r[0], allow, u) == mask(r[1], allow, u):
                masked += 1
                used |= u
            else:
                diffs.append((line, r[0], r[1]))
        for p in (ref, test):
            p.reopen()
    for line, a, b in diffs:
        print("# differs: request %s" % line[:200])
        if len(a) + len(b) <= 400:
            print("#   memcached: %r" % a)
            print("#   server:    %r" % b)
            continue
        # Long replies: the lines of each that the other lacks, masked.
        al = mask(a, allow, set()).decode("latin-1").split("\r\n")
        bl = mask(b, allow, set()).decode("latin-1").split("\r\n")
        for op in difflib.ndiff(al, bl):
            if op[0] in "-+":
                print("#   %s %r" % ("memcached:" if op[0] == "-" else "server:   ",
                                       op[2:202]))
    for i in sorted(used):
        print("# allowed difference: %s (%s)" % (allow[i][0].pattern.decode(),
                                                 allow[i][1]))
    print("RESULT kv-conform requests=%d identical=%d masked=%d differences=%d"
          % (n, same, masked, len(diffs)))
    sys.exit(0 if n and not diffs else 1)


main()
