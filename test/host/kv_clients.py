#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Debian's pymemcache (python3-pymemcache) against a memcached server.

  kv_clients.py ADDRESS PORT [--prefix P]

Run by test/host/kv-clients.sh with Debian's /usr/bin/python3 (the
module is Debian's; another python3 on PATH may not have it). Each check
prints "ok - NAME" or "not ok - NAME: what went wrong"; the last line is
"RESULT pymemcache checks=N failed=N". Exit status 0 only if every check
passed. Keys start with P (default "pm-") so that a run leaves the rest
of the key space alone until its own flush_all at the end.

The checks: set/get of binary values up to 1000 KB and a value over the
item size limit refused; get_many (multi-get, 100 keys, a third of them
missing); set_many and delete_many; add, replace, append, prepend,
incr, decr, touch; gets and cas: two clients read one key and both try
to cas it, exactly one wins, 20 times; then 4 threads, each with its own
client, add 1 to one counter 25 times each by gets and cas retried on
EXISTS: the counter must end at 100 (no update lost, none doubled);
expiry: keys set with 1 and 2 s are there at once (2 s) and gone after
3.5 s, a key set with 100 s stays; version, stats, flush_all.
"""
import argparse
import random
import sys
import threading
import time

from pymemcache.client.base import Client
from pymemcache.exceptions import MemcacheError, MemcacheServerError

RESULTS = []


def check(name, ok, detail=""):
    RESULTS.append(bool(ok))
    if ok:
        print("ok - %s" % name)
    else:
        print("not ok - %s%s" % (name, ": " + detail if detail else ""))
    sys.stdout.flush()


def client(args):
    # default_noreply=False: the storage commands wait for and return
    # the server's answer (pymemcache sends noreply by default).
    return Client((args.addr, args.port), connect_timeout=5, timeout=10,
                  default_noreply=False, no_delay=True)


def cas_pair(args, p):
    """Two clients gets one key, both cas: exactly one must win."""
    a, b = client(args), client(args)
    bad = []
    for i in range(20):
        key = p + "race%d" % i
        a.set(key, b"start")
        va, ca = a.gets(key)
        vb, cb = b.gets(key)
        if va != b"start" or vb != b"start" or ca != cb:
            bad.append("round %d: gets %r/%r cas %r/%r" % (i, va, vb, ca, cb))
            continue
        first, second = (a, b) if i % 2 else (b, a)
        won1 = first.cas(key, b"first", ca)
        won2 = second.cas(key, b"second", cb)
        final = a.get(key)
        if won1 is not True or won2 is not False or final != b"first":
            bad.append("round %d: cas %r then %r, value %r"
                       % (i, won1, won2, final))
    a.close()
    b.close()
    check("cas race of two clients on one key: exactly one wins (20 rounds)",
          not bad, "; ".join(bad[:3]))


def cas_threads(args, p, nthreads=4, each=25):
    """Threads add 1 to one counter by gets/cas, retrying on EXISTS."""
    key = p + "counter"
    c = client(args)
    c.set(key, b"0")
    conflicts = [0] * nthreads
    errors = []

    def worker(i):
        me = client(args)
        try:
            done = 0
            while done < each:
                v, cas = me.gets(key)
                if me.cas(key, b"%d" % (int(v) + 1), cas):
                    done += 1
                else:
                    conflicts[i] += 1
                if conflicts[i] > 10000:
                    errors.append("thread %d: no progress" % i)
                    return
        except (MemcacheError, OSError, ValueError) as e:
            errors.append("thread %d: %r" % (i, e))
        finally:
            me.close()

    threads = [threading.Thread(target=worker, args=(i,))
               for i in range(nthreads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    final = c.get(key)
    c.close()
    check("%d clients x %d increments by gets/cas: the counter is %d "
          "(%d cas lost the race and were retried)"
          % (nthreads, each, nthreads * each, sum(conflicts)),
          not errors and final == b"%d" % (nthreads * each),
          "final %r; %s" % (final, "; ".join(errors[:3])))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--prefix", default="pm-")
    args = ap.parse_args()
    p = args.prefix
    rng = random.Random(15)
    c = client(args)

    # Expiry first: its wait overlaps the other checks.
    t_exp = time.monotonic()
    c.set(p + "ttl1", b"one", expire=1)
    c.set(p + "ttl2", b"two", expire=2)
    c.set(p + "ttl100", b"long", expire=100)
    check("keys set with an expiry of 2 s and 100 s are there at once",
          c.get_many([p + "ttl2", p + "ttl100"]) ==
          {p + "ttl2": b"two", p + "ttl100": b"long"})

    for size in (0, 1, 100, 4096, 65536, 1000 * 1024):
        v = rng.randbytes(size)
        ok = c.set(p + "big", v)
        got = c.get(p + "big")
        check("set and get of %d random bytes" % size,
              ok is True and got == v,
              "set %r, got %r bytes" % (ok, None if got is None else len(got)))
    try:
        r = c.set(p + "toobig", b"x" * (2 << 20))
        check("a 2 MiB value is refused (over the item size limit)", False,
              "set returned %r" % r)
    except MemcacheServerError as e:
        msg = e.args[0] if e.args else b""
        if isinstance(msg, bytes):
            msg = msg.decode("latin-1")
        check("a 2 MiB value is refused: %s" % msg.strip(),
              "too large" in msg)
    check("the connection still works after the refusal",
          c.get(p + "toobig") is None and c.set(p + "after", b"1") is True)

    keys = ["%smk%d" % (p, i) for i in range(100)]
    want = {k: b"v-" + k.encode() for i, k in enumerate(keys) if i % 3}
    check("set_many of %d keys" % len(want), c.set_many(want) == [])
    got = c.get_many(keys)
    check("get_many of 100 keys finds the %d stored, no other"
          % len(want), got == want,
          "%d found, %d wrong" % (len(got),
                                  sum(got.get(k) != v for k, v in want.items())))
    gm = c.gets_many(keys[:10])
    check("gets_many returns a value and a cas unique for each stored key",
          set(gm) == {k for k in keys[:10] if k in want} and
          all(isinstance(cas, bytes) and cas.isdigit() for _, cas in gm.values()))
    check("delete_many", c.delete_many(keys) is True and
          c.get_many(keys) == {})

    k = p + "k"
    c.delete(k)
    check("add of a missing key stores it, add again does not",
          c.add(k, b"a") is True and c.add(k, b"b") is False and
          c.get(k) == b"a")
    check("replace of a present key stores, of a missing one does not",
          c.replace(k, b"r") is True and c.replace(p + "nokey", b"x") is False
          and c.get(k) == b"r")
    check("append and prepend",
          c.append(k, b">") is True and c.prepend(k, b"<") is True and
          c.get(k) == b"<r>")
    check("append to a missing key is not stored",
          c.append(p + "nokey", b"x") is False)
    c.set(p + "n", b"10")
    check("incr and decr (floor 0), incr of a missing key",
          c.incr(p + "n", 5) == 15 and c.decr(p + "n", 100) == 0 and
          c.incr(p + "nokey", 1) is None)
    check("touch of a present and of a missing key",
          c.touch(k, 100) is True and c.touch(p + "nokey", 100) is False)
    check("delete of a present and of a missing key",
          c.delete(k) is True and c.delete(k) is False)
    check("a key of 250 bytes", c.set(p + "K" * (250 - len(p)), b"x") is True
          and c.get(p + "K" * (250 - len(p))) == b"x")

    cas_pair(args, p)
    cas_threads(args, p)

    ver = c.version()
    check("version is 1.6.x (%r)" % ver, ver.startswith(b"1.6."))
    st = c.stats()
    need = [b"pid", b"uptime", b"time", b"version", b"curr_connections",
            b"total_connections", b"cmd_get", b"cmd_set", b"get_hits",
            b"get_misses", b"curr_items", b"bytes", b"limit_maxbytes",
            b"threads", b"evictions"]
    missing = [f.decode() for f in need if f not in st]
    check("stats has the fields clients read", not missing,
          "missing " + ",".join(missing))

    wait = t_exp + 3.5 - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    got = c.get_many([p + "ttl1", p + "ttl2", p + "ttl100"])
    check("after 3.5 s the keys set with 1 and 2 s are gone, the 100 s one "
          "stays", got == {p + "ttl100": b"long"}, "got %r" % got)

    c.set(p + "f", b"x")
    check("flush_all empties the cache",
          c.flush_all() is True and c.get(p + "f") is None)
    c.close()
    failed = RESULTS.count(False)
    print("RESULT pymemcache checks=%d failed=%d" % (len(RESULTS), failed))
    sys.exit(1 if failed else 0)


main()
