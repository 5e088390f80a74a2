#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Record memcached's replies to the requests of a case file.

  test/kv/golden.py CASES PORT > GOLDEN

CASES has one request per line, C-escaped ("\\r\\n" and so on); each is
sent on one connection, in order, to a fresh memcached listening on
127.0.0.1:PORT (memcached -p PORT -l 127.0.0.1 -U 0 -t 1), and what
comes back before it has been quiet for 100 ms is the reply. GOLDEN has
the pairs as "> request" and "< reply" lines, escaped the same way; the
unit test test/unit/test_kv.c replays them against kv_proto.c and wants
the same bytes. Lines starting with "#" are kept as comments.
"""
import socket
import sys
import time


def unescape(s):
    return s.encode().decode("unicode_escape").encode("latin-1")


def escape(b):
    out = []
    for c in b:
        if c == 0x5C:
            out.append("\\\\")
        elif c == 0x0D:
            out.append("\\r")
        elif c == 0x0A:
            out.append("\\n")
        elif 0x20 <= c < 0x7F:
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    return "".join(out)


def main():
    cases, port = sys.argv[1], int(sys.argv[2])
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(0.1)
    for line in open(cases):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            print(line)
            continue
        s.sendall(unescape(line))
        got = b""
        while True:
            try:
                d = s.recv(65536)
            except socket.timeout:
                break
            if not d:
                break
            got += d
        print("> " + line)
        print("< " + escape(got))
        sys.stdout.flush()


main()
