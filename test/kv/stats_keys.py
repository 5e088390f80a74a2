#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Record the names memcached's stats command prints, in its order.

  test/kv/stats_keys.py PORT [SUBCOMMAND] > FILE

Asks the memcached listening on 127.0.0.1:PORT for "stats" (or "stats
SUBCOMMAND") and prints each STAT line's name, one a line, after a
comment saying where they came from. test/unit/test_kv.c wants the same
names in the same order from examples/kv/kv_stats.c; the values vary
and are checked there otherwise.
"""
import socket
import sys


def main():
    port = int(sys.argv[1])
    sub = sys.argv[2] if len(sys.argv) > 2 else ""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(("stats %s\r\n" % sub).encode())
    got = b""
    while not got.endswith(b"END\r\n"):
        d = s.recv(65536)
        if not d:
            break
        got += d
    s.sendall(b"version\r\n")
    version = s.recv(100).decode().split()[1]
    print("# The names of memcached %s's \"stats%s\", in its order"
          % (version, " " + sub if sub else ""))
    print("# (test/kv/stats_keys.py, from Debian's memcached -U 0 -t 1).")
    for line in got.decode().split("\r\n"):
        if line.startswith("STAT "):
            print(line.split(" ")[1])


main()
