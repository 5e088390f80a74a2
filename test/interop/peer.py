#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The Linux side of the interop tests: plain kernel TCP sockets.

Every mode prints one "key=value ..." result line and exits 0 only when
the connection ended gracefully (FIN both ways, no reset) with every byte
accounted for.  All socket operations are bounded by --timeout.

  send IP PORT BYTES       connect, send BYTES random bytes, half-close,
                           wait for the peer's FIN
  recv-server IP PORT      listen, accept one, read to EOF, then close
  send-server IP PORT BYTES
                           listen, accept one, send BYTES random bytes,
                           half-close, wait for the peer's FIN
  echo IP PORT BYTES       connect, write BYTES while reading the echo,
                           half-close, read to EOF, compare
  hold IP PORT FILE        connect, one small echo exchange, print "held"
                           with the options from TCP_INFO, stay up until
                           FILE exists, then close
"""
import hashlib
import os
import random
import selectors
import socket
import sys
import time

CHUNK = 65536


def fail(msg):
    print("result=fail error=%s" % msg.replace(" ", "_"), flush=True)
    sys.exit(1)


def payload(n, seed=7):
    rnd = random.Random(seed)
    return rnd.randbytes(n)


def connect(ip, port, timeout):
    s = socket.create_connection((ip, port), timeout=timeout)
    s.settimeout(timeout)
    return s


def read_to_eof(s, h=None):
    total = 0
    while True:
        b = s.recv(CHUNK)
        if not b:
            return total
        total += len(b)
        if h:
            h.update(b)


def mode_send(ip, port, n, timeout):
    data = payload(n)
    s = connect(ip, port, timeout)
    t0 = time.monotonic()
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    extra = read_to_eof(s)
    s.close()
    dt = time.monotonic() - t0
    print("result=ok sent=%d sha256=%s extra=%d secs=%.2f mbit=%.1f" %
          (n, hashlib.sha256(data).hexdigest(), extra, dt,
           n * 8 / dt / 1e6), flush=True)


def accept_one(ip, port, timeout):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((ip, port))
    ls.listen(1)
    ls.settimeout(timeout)
    print("listening", flush=True)
    s, peer = ls.accept()
    ls.close()
    s.settimeout(timeout)
    return s


def mode_send_server(ip, port, n, timeout):
    data = payload(n, seed=13)
    s = accept_one(ip, port, timeout)
    t0 = time.monotonic()
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    extra = read_to_eof(s)
    s.close()
    dt = time.monotonic() - t0
    print("result=ok sent=%d sha256=%s extra=%d secs=%.2f mbit=%.1f" %
          (n, hashlib.sha256(data).hexdigest(), extra, dt,
           n * 8 / dt / 1e6), flush=True)


def mode_recv_server(ip, port, timeout):
    s = accept_one(ip, port, timeout)
    h = hashlib.sha256()
    t0 = time.monotonic()
    n = read_to_eof(s, h)
    dt = time.monotonic() - t0
    s.close()
    print("result=ok received=%d sha256=%s secs=%.2f mbit=%.1f" %
          (n, h.hexdigest(), dt, n * 8 / max(dt, 1e-6) / 1e6), flush=True)


def mode_echo(ip, port, n, timeout):
    data = payload(n, seed=11)
    s = connect(ip, port, timeout)
    s.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    got = bytearray()
    off = 0
    eof = False
    end = time.monotonic() + timeout
    t0 = time.monotonic()
    while not eof:
        if time.monotonic() > end:
            fail("echo timeout after %d/%d bytes" % (len(got), n))
        for key, ev in sel.select(timeout=1.0):
            if ev & selectors.EVENT_READ:
                b = s.recv(CHUNK)
                if not b:
                    eof = True
                got += b
            if ev & selectors.EVENT_WRITE and off < n:
                off += s.send(data[off:off + CHUNK])
                if off == n:
                    s.shutdown(socket.SHUT_WR)
                    sel.modify(s, selectors.EVENT_READ)
    dt = time.monotonic() - t0
    s.close()
    if bytes(got) != data:
        bad = next((i for i in range(min(len(got), n))
                    if got[i] != data[i]), min(len(got), n))
        fail("echo mismatch len=%d want=%d first_diff=%d" %
             (len(got), n, bad))
    print("result=ok echoed=%d sha256=%s secs=%.2f" %
          (n, hashlib.sha256(data).hexdigest(), dt), flush=True)


def mode_hold(ip, port, path, timeout):
    s = connect(ip, port, timeout)
    msg = b"ixdp-interop-hold" * 8
    s.sendall(msg)
    got = b""
    while len(got) < len(msg):
        b = s.recv(CHUNK)
        if not b:
            fail("early eof")
        got += b
    if got != msg:
        fail("hold echo mismatch")
    # struct tcp_info: state, ca_state, retransmits, probes, backoff,
    # options (TCPI_OPT_*), snd_wscale:4 | rcv_wscale:4
    ti = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
    print("held tcpi_options=%d ts=%d sack=%d wscale=%d snd_wscale=%d "
          "rcv_wscale=%d" % (ti[5], ti[5] & 1, (ti[5] >> 1) & 1,
                             (ti[5] >> 2) & 1, ti[6] & 15, ti[6] >> 4),
          flush=True)
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > end:
            fail("hold timeout")
        time.sleep(0.05)
    s.shutdown(socket.SHUT_WR)
    extra = read_to_eof(s)
    s.close()
    print("result=ok held extra=%d" % extra, flush=True)


def main():
    args = sys.argv[1:]
    timeout = 30.0
    if len(args) > 1 and args[0] == "--timeout":
        timeout = float(args[1])
        args = args[2:]
    if not args:
        fail("usage")
    mode, rest = args[0], args[1:]
    try:
        if mode == "send" and len(rest) == 3:
            mode_send(rest[0], int(rest[1]), int(rest[2]), timeout)
        elif mode == "recv-server" and len(rest) == 2:
            mode_recv_server(rest[0], int(rest[1]), timeout)
        elif mode == "send-server" and len(rest) == 3:
            mode_send_server(rest[0], int(rest[1]), int(rest[2]), timeout)
        elif mode == "echo" and len(rest) == 3:
            mode_echo(rest[0], int(rest[1]), int(rest[2]), timeout)
        elif mode == "hold" and len(rest) == 3:
            mode_hold(rest[0], int(rest[1]), rest[2], timeout)
        else:
            fail("usage")
    except (OSError, socket.timeout) as e:
        fail("%s: %s" % (type(e).__name__, e))


if __name__ == "__main__":
    main()
