#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Bad input against a memcached-protocol server (stage app-kv-conform).

  kv_bad.py inputs REF_ADDR REF_PORT ADDRESS PORT
      Truncated commands then a close, keys of 251 bytes, values over the
      item size limit (whole, and cut off by a close), lengths out of
      range, a line of 10,000 bytes without its end, multi-gets longer
      than a line may otherwise be, binary garbage, NULs, a binary
      protocol request, pipelines of 1,000 commands. Each scenario runs
      on fresh connections to both servers (memcached at REF, the server
      under test at ADDRESS, at once); what each answered (and whether it
      closed) is compared byte for byte; differences are listed. A
      scenario named in --allow (a file of "NAME  # why" lines) may
      differ; it is listed as such. Exit 0 if no other scenario differed
      and a normal client works on both afterwards.
  slow ADDRESS PORT [--bytes N] [--secs S]
      One client sends a set of an N-byte value (512 KiB) in pieces over
      S seconds (4), another a get one byte every 20 ms, while a third
      does a set and a get every 10 ms and times each. Exit 0 if the
      slow value is stored whole, the slow get answered, every round
      trip of the normal client answered right, their median during the
      slow sends within 3 times the median before them plus 5 ms, and
      none took 2 s (a server that serves one client at a time would
      make them wait seconds; TCG on a shared machine makes single
      round trips of a few hundred ms, whichever server).
  hold ADDRESS PORT CONNS [--window W] [--hold S]
      CONNS connections (W connects in flight), each sending half a
      command (half a get line, a set line with half its data, a set
      line of a 1 MiB value with 10 bytes of it, half a set line) and
      holding it; while they are held a normal client's set/get must
      work (none taking 2 s), no held connection may get an answer or be
      closed (but for memcached's refusal of a value it has no memory
      for). Then each sends the rest of its command and must get the
      right reply; then all close, the normal client works again and
      the server counts no more than 3 connections open
      (curr_connections: the one asking, and perhaps a normal client's
      not yet released).
  pending ADDRESS PORT CONNS [--value N]
      CONNS connections each send a set of an N-byte value (1 MiB - 1
      KiB) less its last byte and hold it for the server to account:
      what a server keeps for values not yet whole, once it has
      acknowledged all the bytes (sending stops after 60 s, waiting for
      the acknowledgements after 60 s more). Then they close.
      Measures, asserts nothing but that a normal client works after.

Every step is bounded in time; one RESULT line each.
"""
import argparse
import errno
import fcntl
import random
import resource
import selectors
import socket
import statistics
import struct
import sys
import termios
import threading
import time


def more_files(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(soft, n + 256)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    except (ValueError, OSError):
        pass


def connect(addr, port, timeout=5):
    s = socket.create_connection((addr, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


# Quiet intervals are multiplied by this (--quiet-scale): on a kernel
# several times slower a server's answer can take longer than the quiet
# that ends a step, and would land in the next step's transcript.
QUIET_SCALE = 1.0


def read_quiet(s, quiet=0.2, limit=10.0):
    """What comes until quiet for QUIET s; "<closed>" if the server closed."""
    got = b""
    end = time.monotonic() + limit * QUIET_SCALE
    s.settimeout(quiet * QUIET_SCALE)
    while time.monotonic() < end:
        try:
            d = s.recv(1 << 20)
        except socket.timeout:
            break
        except ConnectionResetError:
            return got + b"<reset>"
        if not d:
            return got + b"<closed>"
        got += d
    return got


def read_exact(s, want, limit=10.0):
    """Read until WANT bytes came (or LIMIT s, or the end)."""
    got = b""
    end = time.monotonic() + limit
    s.settimeout(0.5)
    while len(got) < want and time.monotonic() < end:
        try:
            d = s.recv(1 << 20)
        except socket.timeout:
            continue
        if not d:
            break
        got += d
    return got


def stat(addr, port, name):
    """One field of the server's stats ("?" if it has none)."""
    try:
        s = connect(addr, port)
        s.sendall(b"stats\r\n")
        got = b""
        end = time.monotonic() + 5
        while not got.endswith(b"END\r\n") and time.monotonic() < end:
            d = s.recv(65536)
            if not d:
                break
            got += d
        s.close()
    except OSError:
        return "?"
    for line in got.split(b"\r\n"):
        f = line.split(b" ")
        if len(f) == 3 and f[1] == name.encode():
            return f[2].decode()
    return "?"


def normal_client(addr, port, key=b"nc"):
    """A well-behaved client's set and get: True if both work."""
    try:
        s = connect(addr, port)
        v = b"normal-%d" % random.randrange(1 << 30)
        s.sendall(b"set %s 0 0 %d\r\n%s\r\nget %s\r\n" % (key, len(v), v, key))
        want = b"STORED\r\nVALUE %s 0 %d\r\n%s\r\nEND\r\n" % (key, len(v), v)
        got = read_exact(s, len(want))
        s.close()
        return got == want
    except OSError:
        return False


# The scenarios of "inputs": each gets a connect function and returns the
# transcript of what the server answered, its steps joined by " | ".
def steps(conn, *parts, quiet=0.2):
    """On one connection: send each bytes part, read after each; a part
    None closes (and ends) the connection."""
    s = conn()
    out = []
    for p in parts:
        if p is None:
            s.close()
            return b" | ".join(out) + b" | <client closed>"
        try:
            s.sendall(p)
        except OSError as e:
            out.append(b"<send: %s>" % errno.errorcode.get(e.errno, "?").encode())
            break
        r = read_quiet(s, quiet)
        out.append(r)
        if r.endswith((b"<closed>", b"<reset>")):
            break
    s.close()
    return b" | ".join(out)


K251 = b"k" * 251
K250 = b"K" * 250
RNG = random.Random(15)
GARBAGE = b"x" + RNG.randbytes(16383)
BIG = 2 << 20


def sc_trunc_data(conn):
    a = steps(conn, b"set bt1 0 0 10\r\nabc", None)
    return a + b" || " + steps(conn, b"get bt1\r\n")


def sc_trunc_line(conn):
    a = steps(conn, b"set bt2 0 0 5", None)
    b = steps(conn, b"get bt", None)
    c = steps(conn, b"se", None)
    return b" || ".join((a, b, c, steps(conn, b"get bt2\r\n")))


def sc_cut_data(conn):
    return steps(conn, b"set bt3 0 0 5\r\nab", b"cde\r\nget bt3\r\n")


def sc_cut_line(conn):
    return steps(conn, b"ge", b"t bt3", b"\r\n")


def sc_key251(conn):
    k = K251
    return steps(conn, b"set " + k + b" 0 0 1\r\nx\r\n", b"get " + k + b"\r\n",
                 b"gets a " + k + b"\r\n", b"delete " + k + b"\r\n",
                 b"incr " + k + b" 1\r\n", b"touch " + k + b" 10\r\n",
                 b"gat 10 " + k + b"\r\n", b"add " + k + b" 0 0 1\r\nx\r\n")


def sc_key250(conn):
    k = K250
    return steps(conn, b"set " + k + b" 0 0 1\r\nx\r\n", b"get " + k + b"\r\n",
                 b"delete " + k + b"\r\n")


def sc_too_large(conn):
    return steps(conn, b"set bv 0 0 %d\r\n" % BIG + b"v" * BIG + b"\r\n",
                 b"get bv\r\n", quiet=0.5)


def sc_too_large_cut(conn):
    # Closed without waiting for an answer: memcached answers a refused
    # value once it has swallowed its bytes, kv_ixdp at once (the same
    # bytes, at another time).
    s = conn()
    s.sendall(b"set bv2 0 0 %d\r\n" % BIG + b"v" * 100000)
    s.close()
    return steps(conn, b"get bv2\r\n")


def sc_limit_edge(conn):
    out = []
    for n in (1048000, 1048400, 1048500, 1048576):
        s = conn()
        s.sendall(b"set be%d 0 0 %d\r\n" % (n, n) + b"e" * n + b"\r\n")
        out.append(b"%d: %s" % (n, read_quiet(s, 0.5)))
        s.close()
    return b" | ".join(out)


def sc_bad_length(conn):
    return steps(conn, b"set bl 0 0 -5\r\n", b"set bl 0 0 2147483648\r\n",
                 b"set bl 0 0 2147483647\r\n", b"set bl 4294967296 0 1\r\nx\r\n",
                 b"incr bl " + b"9" * 1000 + b"\r\n", b"version\r\n")


def sc_length_64(conn):
    # Lengths beyond 32 bits: memcached keeps their low 32 bits.
    a = steps(conn, b"set bl 0 0 4294967296\r\nx\r\n")
    return a + b" || " + steps(conn, b"set bl 0 0 99999999999\r\n", b"version\r\n")


def sc_long_line(conn):
    return steps(conn, b"x" * 10000)


def sc_long_get(conn):
    # 200 keys of 60 bytes: a 12 KB line, as a client's multi-get sends.
    keys = [b"g%059d" % i for i in range(200)]
    s = conn()
    s.sendall(b"set " + keys[150] + b" 0 0 2\r\nhi\r\n")
    a = read_quiet(s)
    s.sendall(b"get " + b" ".join(keys) + b"\r\n")
    b = read_quiet(s, 0.5)
    s.close()
    return a + b" | " + b


def sc_many_keys(conn):
    # 30 keys on one get line, all stored: memcached answers each.
    s = conn()
    for i in range(30):
        s.sendall(b"set mk%d 0 0 1 noreply\r\n%d\r\n" % (i, i % 10))
    s.sendall(b"get " + b" ".join(b"mk%d" % i for i in range(30)) + b"\r\n")
    r = read_quiet(s, 0.5)
    s.close()
    return r


def sc_garbage(conn):
    return steps(conn, GARBAGE, quiet=0.5)


def sc_nuls(conn):
    return steps(conn, b"\x00" * 100 + b"\r\n", b"get \x00\x01\xff\r\n",
                 b"\r" * 50 + b"\n", b"\xff\xfe\r\n")


def sc_binary(conn):
    # A binary protocol get of key "a" (magic 0x80, opcode 0).
    pkt = bytes([0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]) + bytes(12) + b"a"
    return steps(conn, pkt, quiet=0.5)


def sc_empty_lines(conn):
    return steps(conn, b"\r\n" * 1000, quiet=0.3)


def sc_pipeline(conn):
    return steps(conn, b"get nokey\r\n" * 1000 + b"version\r\n", quiet=0.3)


SCENARIOS = [
    ("truncated-data-then-close", sc_trunc_data),
    ("truncated-lines-then-close", sc_trunc_line),
    ("data-block-in-two-pieces", sc_cut_data),
    ("command-line-in-three-pieces", sc_cut_line),
    ("key-of-251-bytes", sc_key251),
    ("key-of-250-bytes", sc_key250),
    ("value-of-2MiB-over-the-limit", sc_too_large),
    ("value-of-2MiB-cut-by-a-close", sc_too_large_cut),
    ("values-at-the-item-size-limit", sc_limit_edge),
    ("lengths-and-deltas-out-of-range", sc_bad_length),
    ("lengths-over-32-bits", sc_length_64),
    ("line-of-10000-bytes-without-end", sc_long_line),
    ("get-of-200-keys-a-12KB-line", sc_long_get),
    ("get-of-30-keys", sc_many_keys),
    ("binary-garbage-16KiB", sc_garbage),
    ("nuls-and-carriage-returns", sc_nuls),
    ("binary-protocol-get", sc_binary),
    ("1000-empty-lines", sc_empty_lines),
    ("pipeline-of-1000-gets", sc_pipeline),
]


def short(b, n=300):
    return repr(b if len(b) <= n else b[:n] + b"...(%d bytes)" % len(b))


def inputs(args):
    global QUIET_SCALE
    QUIET_SCALE = max(args.quiet_scale, 1.0)
    allow = {}
    if args.allow:
        for line in open(args.allow, encoding="utf-8"):
            if line.strip() and not line.startswith("#"):
                name, _, why = line.rstrip("\n").partition("  # ")
                allow[name.strip()] = why.strip()
    servers = [(args.ref_addr, args.ref_port), (args.addr, args.port)]
    res = [{}, {}]

    def run(i):
        a, p = servers[i]
        for name, fn in SCENARIOS:
            try:
                res[i][name] = fn(lambda: connect(a, p))
            except OSError as e:
                res[i][name] = b"<%s>" % str(e).encode()

    t0 = time.monotonic()
    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(100)
    same = allowed = 0
    bad = []
    for name, _ in SCENARIOS:
        a, b = res[0].get(name, b"<none>"), res[1].get(name, b"<none>")
        if a == b:
            same += 1
            if args.show:
                print("# same: %s: %s" % (name, short(a, 200)))
            continue
        if name in allow:
            allowed += 1
            print("# differs as allowed (%s): %s" % (allow[name], name))
        else:
            bad.append(name)
            print("# differs: %s" % name)
        print("#   memcached: %s" % short(a))
        print("#   server:    %s" % short(b))
    ok_ref = normal_client(*servers[0])
    ok = normal_client(*servers[1])
    print("RESULT kv-bad-inputs scenarios=%d identical=%d allowed=%d "
          "differences=%d normal_client_after=%s/%s secs=%.1f"
          % (len(SCENARIOS), same, allowed, len(bad), ok_ref, ok,
             time.monotonic() - t0))
    return 0 if not bad and ok and ok_ref else 1


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100))] if v else float("nan")


def timed_rounds(addr, port, until, lat, errors, key=b"nl"):
    """set+get round trips every 10 ms until UNTIL() is true."""
    try:
        s = connect(addr, port)
        i = 0
        while not until():
            v = b"%d" % i
            want = b"STORED\r\nVALUE %s 0 %d\r\n%s\r\nEND\r\n" % (key, len(v), v)
            t = time.monotonic()
            s.sendall(b"set %s 0 0 %d\r\n%s\r\nget %s\r\n" % (key, len(v), v, key))
            got = read_exact(s, len(want), limit=5)
            lat.append(time.monotonic() - t)
            if got != want:
                errors.append(got)
                break
            i += 1
            time.sleep(0.01)
        s.close()
    except OSError as e:
        errors.append("%s after %d round trips" % (e, len(lat)))


def slow(args):
    n = args.bytes
    value = bytes((i * 7 + 3) % 251 for i in range(n))
    lat_before, lat_during, errs = [], [], []
    t_end = time.monotonic() + 1.0
    timed_rounds(args.addr, args.port, lambda: time.monotonic() > t_end,
                 lat_before, errs)
    done = threading.Event()
    t = threading.Thread(target=timed_rounds,
                         args=(args.addr, args.port, done.is_set, lat_during,
                               errs))
    t.start()
    res = {}

    def slow_get():
        s = connect(args.addr, args.port)
        for c in b"get slowv\r\n":
            s.sendall(bytes([c]))
            time.sleep(0.02)
        res["get"] = read_quiet(s, 0.3)
        s.close()

    g = threading.Thread(target=slow_get)
    g.start()
    t0 = time.monotonic()
    s = connect(args.addr, args.port)
    s.sendall(b"set slowv 0 0 %d\r\n" % n)
    pieces = 64
    step = (n + pieces - 1) // pieces
    for i in range(0, n, step):
        s.sendall(value[i:i + step])
        time.sleep(args.secs / pieces)
    s.sendall(b"\r\n")
    stored = read_exact(s, 8)
    secs = time.monotonic() - t0
    g.join(30)
    done.set()
    t.join(30)
    s.sendall(b"get slowv\r\n")
    want = b"VALUE slowv 0 %d\r\n" % n + value + b"\r\nEND\r\n"
    back = read_exact(s, len(want))
    s.close()
    med0 = statistics.median(lat_before) if lat_before else float("nan")
    med = statistics.median(lat_during) if lat_during else float("nan")
    p99 = pct(lat_during, 99)
    bound = 3 * med0 + 0.005
    ok = (stored == b"STORED\r\n" and back == want and
          res.get("get") == b"END\r\n" and not errs and lat_during and
          med <= bound and max(lat_during) < 2.0)
    print("# slowest round trips (ms): %s" % " ".join(
        "%.0f" % (x * 1e3) for x in sorted(lat_during)[-5:]))
    print("# slow value: %r after %.1f s; read back %s; slow get %r; "
          "errors %r" % (stored, secs, back == want, res.get("get"), errs[:2]))
    print("RESULT kv-bad-slow bytes=%d secs=%.1f normal_before_median_ms=%.1f "
          "normal_during_n=%d median_ms=%.1f p99_ms=%.1f max_ms=%.1f "
          "median_bound_ms=%.1f ok=%s"
          % (n, secs, med0 * 1e3, len(lat_during), med * 1e3, p99 * 1e3,
             max(lat_during or [0]) * 1e3, bound * 1e3, ok))
    return 0 if ok else 1


# hold: the half commands, by connection number, and what completes them.
def half_command(i):
    k = b"h%d" % i
    kind = i % 4
    if kind == 0:
        return b"get " + k[:2], k[2:] + b"\r\n", b"END\r\n"
    if kind == 1:
        return (b"set %s 0 0 100\r\n" % k + b"a" * 50, b"a" * 50 + b"\r\n",
                b"STORED\r\n")
    if kind == 2:
        n = 1 << 20
        return (b"set %s 0 0 %d\r\n" % (k, n - 512) + b"b" * 10,
                None, b"STORED\r\n")
    return b"set %s 0 0" % k, b" 1\r\nc\r\n", b"STORED\r\n"


def open_many(addr, port, n, window, first, limit):
    """N non-blocking connections, at most WINDOW connecting at once; each
    sends FIRST(i) once up. Returns (sockets, failures)."""
    sel = selectors.DefaultSelector()
    socks = [None] * n
    pending = {}
    fails = {}
    i = 0
    end = time.monotonic() + limit
    while (i < n or pending) and time.monotonic() < end:
        while i < n and len(pending) < window:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            rc = s.connect_ex((addr, port))
            if rc not in (0, errno.EINPROGRESS):
                fails[errno.errorcode.get(rc, rc)] = fails.get(rc, 0) + 1
                s.close()
            else:
                pending[s] = i
                sel.register(s, selectors.EVENT_WRITE, i)
            i += 1
        for key, _ in sel.select(0.2):
            s = key.fileobj
            j = pending.pop(s)
            sel.unregister(s)
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                e = errno.errorcode.get(err, str(err))
                fails[e] = fails.get(e, 0) + 1
                s.close()
                continue
            try:
                s.send(first(j))
            except OSError as e:
                e = errno.errorcode.get(e.errno, "?")
                fails[e] = fails.get(e, 0) + 1
                s.close()
                continue
            socks[j] = s
    for s in pending:
        s.close()
    if pending:
        fails["timeout"] = len(pending)
    sel.close()
    return socks, fails


OOM = b"SERVER_ERROR out of memory storing object\r\n"


def answered(socks, allowed=lambda i, got: False):
    """How many of the held connections got bytes or an end, but for
    those where ALLOWED(i, bytes) (memcached refuses a value it has no
    memory for at once); and how many such refusals."""
    n = refused = 0
    for i, s in enumerate(socks):
        if s is None:
            continue
        s.setblocking(False)
        try:
            got = s.recv(4096, socket.MSG_PEEK)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            got = b"<error>"
        if allowed(i, got):
            refused += 1
        else:
            n += 1
    return n, refused


def wait_stat(args, name, cond, limit):
    """Poll stats NAME until COND(value) or LIMIT s: (value, seconds)."""
    t0 = time.monotonic()
    while True:
        v = stat(args.addr, args.port, name)
        if (v.isdigit() and cond(int(v))) or time.monotonic() - t0 > limit:
            return v, time.monotonic() - t0
        time.sleep(0.2)


def hold(args):
    more_files(args.conns)
    t0 = time.monotonic()
    ok_before = normal_client(args.addr, args.port)
    socks, fails = open_many(args.addr, args.port, args.conns, args.window,
                             lambda i: half_command(i)[0], args.timeout)
    up = sum(s is not None for s in socks)
    t_open = time.monotonic() - t0
    # A connect done here may still wait in the server's listen backlog:
    # the normal client comes once the server has them all (its stats
    # connection is one more).
    accepted, t_acc = wait_stat(args, "curr_connections",
                                lambda v: v >= up + 1, args.timeout / 2)
    lat, errs = [], []
    t_end = time.monotonic() + args.hold
    timed_rounds(args.addr, args.port, lambda: time.monotonic() > t_end,
                 lat, errs, key=b"hold-normal")
    # memcached takes a value's memory when its set line comes, and
    # refuses it then when there is none (-m): so may the server.
    early, refused = answered(socks, lambda i, got: i % 4 == 2 and got == OOM)
    # The rest of each command, then its reply. The 1 MiB values are
    # not sent whole (that would be 1 GB for 4,000 connections): those
    # connections are closed as they are.
    sel = selectors.DefaultSelector()
    want = {}
    for i, s in enumerate(socks):
        if s is None:
            continue
        _, rest, reply = half_command(i)
        if rest is None:
            s.close()
            socks[i] = None
            continue
        try:
            s.setblocking(True)
            s.settimeout(5)
            s.sendall(rest)
            s.setblocking(False)
        except OSError:
            continue
        want[s] = [reply, b""]
        sel.register(s, selectors.EVENT_READ)
    right = 0
    end = time.monotonic() + args.timeout
    while want and time.monotonic() < end:
        for key, _ in sel.select(0.5):
            s = key.fileobj
            w = want[s]
            try:
                d = s.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                d = b""
            w[1] += d
            if not d or len(w[1]) >= len(w[0]):
                right += w[1] == w[0]
                sel.unregister(s)
                del want[s]
    completed = sum(1 for i in range(args.conns)
                    if half_command(i)[1] is not None)
    for s in socks:
        if s is not None:
            s.close()
    sel.close()
    # Back to idle: the stats connection, and perhaps a normal client's
    # not yet released.
    curr, t_drain = wait_stat(args, "curr_connections", lambda v: v <= 3, 30)
    ok_after = normal_client(args.addr, args.port)
    med = statistics.median(lat) if lat else float("nan")
    ok = (up == args.conns and not fails and not early and not errs and
          accepted.isdigit() and int(accepted) >= up + 1 and
          ok_before and ok_after and lat and right == completed and
          max(lat) < 2.0 and curr.isdigit() and int(curr) <= 3)
    if errs:
        print("# normal client: %r" % errs[:2])
    print("RESULT kv-bad-hold conns=%d up=%d fails=%s open_secs=%.1f "
          "accepted=%s accept_secs=%.1f answered_early=%d "
          "refused_1MiB_for_memory=%d normal_during_n=%d median_ms=%.1f p99_ms=%.1f "
          "max_ms=%.1f completed_right=%d/%d normal_after=%s "
          "curr_connections_after=%s drain_secs=%.1f secs=%.1f ok=%s"
          % (args.conns, up, fails or "{}", t_open, accepted, t_acc, early,
             refused, len(lat), med * 1e3,
             pct(lat, 99) * 1e3, max(lat or [0]) * 1e3, right, completed,
             ok_after, curr, t_drain, time.monotonic() - t0, ok))
    return 0 if ok else 1


def unacked_bytes(s):
    """Bytes sent on S that the peer has not acknowledged yet."""
    return struct.unpack("i", fcntl.ioctl(s.fileno(), termios.TIOCOUTQ,
                                          b"\0" * 4))[0]


def pending(args):
    more_files(args.conns)
    n = args.value
    body = b"p" * (n - 1)
    t0 = time.monotonic()
    socks = []
    fails = 0
    for i in range(args.conns):
        if time.monotonic() - t0 > 60:
            break
        try:
            s = connect(args.addr, args.port, timeout=10)
            s.sendall(b"set pend%d 0 0 %d\r\n" % (i, n) + body)
        except OSError as e:
            fails += 1
            print("# %d: %s" % (i, e))
            continue
        socks.append(s)
        if i % 10 == 9:
            print("# %d sent: %.1f s" % (i + 1, time.monotonic() - t0))
    # Until the server has acknowledged every byte (or 60 s more): what it
    # holds then is what it keeps for them.
    end = time.monotonic() + 60
    while time.monotonic() < end:
        unacked = sum(unacked_bytes(s) for s in socks)
        if not unacked:
            break
        time.sleep(0.2)
    t_sent = time.monotonic() - t0
    time.sleep(args.hold)
    early, _ = answered(socks)
    for s in socks:
        s.close()
    time.sleep(0.5)
    ok = normal_client(args.addr, args.port)
    print("RESULT kv-bad-pending conns=%d sent=%d failed=%d value=%d "
          "bytes_held=%d unacked=%d send_secs=%.1f answered_early=%d "
          "normal_after=%s"
          % (args.conns, len(socks), fails, n, len(socks) * (n - 1), unacked,
             t_sent, early, ok))
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("inputs")
    m.add_argument("ref_addr")
    m.add_argument("ref_port", type=int)
    m.add_argument("addr")
    m.add_argument("port", type=int)
    m.add_argument("--allow")
    m.add_argument("--quiet-scale", type=float, default=1.0,
                   help="multiply the quiet that ends each step by this")
    m.add_argument("--show", action="store_true",
                   help="print the replies of identical scenarios too")
    m = sub.add_parser("slow")
    m.add_argument("addr")
    m.add_argument("port", type=int)
    m.add_argument("--bytes", type=int, default=512 << 10)
    m.add_argument("--secs", type=float, default=4)
    m = sub.add_parser("hold")
    m.add_argument("addr")
    m.add_argument("port", type=int)
    m.add_argument("conns", type=int)
    m.add_argument("--window", type=int, default=256)
    m.add_argument("--hold", type=float, default=2)
    m.add_argument("--timeout", type=float, default=100)
    m = sub.add_parser("pending")
    m.add_argument("addr")
    m.add_argument("port", type=int)
    m.add_argument("conns", type=int)
    m.add_argument("--value", type=int, default=(1 << 20) - 1024)
    m.add_argument("--hold", type=float, default=2)
    args = ap.parse_args()
    return {"inputs": inputs, "slow": slow, "hold": hold,
            "pending": pending}[args.cmd](args)


sys.exit(main())
