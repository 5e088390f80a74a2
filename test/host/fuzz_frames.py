#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Malformed and odd frames at an ixdp address, from the host side of the
tap, by AF_PACKET (test/selftests/fuzz.sh).

fuzz_frames.py ADDRESS COUNT [--seconds S] [--seed N] [--port P]
    [--closed P]

A fake client 198.18.0.77 (MAC 02:00:00:00:00:77, whose ARP requests this
script answers) sends, in turn:
  - all 256 combinations of the 8 TCP flag bits to the listening port P
    (default 7) and to a closed port, and inside established connections
    (made with a handshake of its own, at the right sequence numbers);
  - SYNs and in-window segments with bad TCP options: zero-length,
    length 1, longer than the header, looping (a length that points back),
    MSS/window scale/SACK/timestamps of the wrong size, NOP and EOL runs,
    unknown kinds, SACK blocks of garbage;
  - IPv4 fragments: overlapping, tiny (8 bytes), first or last only (never
    completed), past 64 KiB, with the DF bit;
  - truncated frames (Ethernet header only, half an IP or TCP header), IP
    header lengths 0-15 words, total lengths too short, too long and 0,
    version other than 4, TCP data offsets 0-15, bad IP and TCP checksums;
  - then random byte flips of valid segments until COUNT frames are sent
    or S seconds (default 60) have passed.
Every frame stays on the tap, addressed to 198.18.0.0/15. Prints the
count of each kind; exit 0 if every planned kind was sent, at least one
handshake was made and COUNT frames were sent in time, 1 otherwise.
"""
import argparse
import random
import socket
import struct
import subprocess
import threading
import time

from bad_frames import csum  # the Internet checksum, beside this file

DEV = "ixtap0"
FAKE_IP = socket.inet_aton("198.18.0.77")
FAKE_MAC = bytes.fromhex("020000000077")
FIN, SYN, RST, PSH, ACK, URG, ECE, CWR = (1 << i for i in range(8))




def ip_hdr(src, dst, plen, proto=6, ident=1, frag=0, ihl=5, tot=None,
           ver=4, bad_csum=False, opts=b""):
    tot = 20 + len(opts) + plen if tot is None else tot
    h = struct.pack("!BBHHHBBH4s4s", (ver << 4) | ihl, 0, tot & 0xffff,
                    ident, frag, 64, proto, 0, src, dst) + opts
    c = csum(h)
    if bad_csum:
        c = (c ^ 0x5a5a) or 1
    return h[:10] + struct.pack("!H", c) + h[12:]


def tcp_seg(src, dst, sport, dport, seq, ack, flags, opts=b"", data=b"",
            doff=None, win=65535, bad_csum=False):
    if doff is None:
        doff = (20 + len(opts) + 3) // 4
        opts = opts + b"\0" * (doff * 4 - 20 - len(opts))
    t = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff,
                    ack & 0xffffffff, (doff & 15) << 4, flags & 0xff, win,
                    0, 0) + opts + data
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(t))
    c = csum(pseudo + t)
    if bad_csum:
        c = (c ^ 0x1234) or 1
    return t[:16] + struct.pack("!H", c) + t[18:]


class Wire:
    """The raw socket, an ARP responder for the fake client, and the TCP
    segments the guest sends it, by destination port."""

    def __init__(self, addr):
        self.addr = socket.inet_aton(addr)
        subprocess.run(["ping", "-c", "1", "-W", "2", addr],
                       stdout=subprocess.DEVNULL, check=False)
        neigh = subprocess.run(["ip", "neigh", "show", addr, "dev", DEV],
                               capture_output=True, text=True).stdout.split()
        if "lladdr" not in neigh:
            raise SystemExit(f"fuzz-frames: no MAC for {addr}")
        self.dmac = bytes.fromhex(neigh[neigh.index("lladdr") + 1]
                                  .replace(":", ""))
        self.eth = self.dmac + FAKE_MAC + b"\x08\x00"
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                               socket.htons(0x0003))
        self.s.bind((DEV, 0))
        self.s.settimeout(0.2)
        self.lock = threading.Lock()
        self.segs = {}
        self.sent = 0
        self.arps = 0
        self.stop = False
        self.t = threading.Thread(target=self.sniff, daemon=True)
        self.t.start()

    def send(self, frame):
        try:
            self.s.send(frame)
            self.sent += 1
        except OSError:
            pass

    def sniff(self):
        while not self.stop:
            try:
                f, meta = self.s.recvfrom(65536)
            except OSError:
                continue
            if meta[2] == socket.PACKET_OUTGOING or len(f) < 34:
                continue
            et = f[12:14]
            if et == b"\x08\x06" and f[38:42] == FAKE_IP and \
                    f[20:22] == b"\x00\x01":
                rep = (f[6:12] + FAKE_MAC + b"\x08\x06" + f[14:20] +
                       b"\x00\x02" + FAKE_MAC + FAKE_IP + f[22:28] +
                       f[28:32])
                self.send(rep)
                self.arps += 1
            elif et == b"\x08\x00" and f[30:34] == FAKE_IP and f[23] == 6:
                ihl = (f[14] & 15) * 4
                t = f[14 + ihl:]
                if len(t) < 20:
                    continue
                sport, dport, seq, ack, _, fl = struct.unpack(
                    "!HHIIBB", t[:14])
                with self.lock:
                    self.segs.setdefault(dport, []).append(
                        (sport, seq, ack, fl))

    def take(self, dport, timeout=1.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                q = self.segs.get(dport)
                if q:
                    return q.pop(0)
            time.sleep(0.005)
        return None

    def tcp(self, sport, dport, seq, ack, flags, **kw):
        ipkw = {k: kw.pop(k) for k in ("ident", "frag", "tot", "ver",
                                       "bad_ip", "ihl") if k in kw}
        t = tcp_seg(FAKE_IP, self.addr, sport, dport, seq, ack, flags, **kw)
        h = ip_hdr(FAKE_IP, self.addr, len(t), ident=ipkw.get("ident", 1),
                   frag=ipkw.get("frag", 0), tot=ipkw.get("tot"),
                   ver=ipkw.get("ver", 4), ihl=ipkw.get("ihl", 5),
                   bad_csum=ipkw.get("bad_ip", False))
        return self.eth + h + t


class Conn:
    """A connection of the fake client, made by its own handshake."""

    def __init__(self, w, port, sport):
        self.w, self.port, self.sport = w, port, sport
        self.iss = random.getrandbits(32)
        self.ok = False
        with w.lock:
            w.segs.pop(sport, None)
        w.send(w.tcp(sport, port, self.iss, 0, SYN,
                     opts=struct.pack("!BBH", 2, 4, 1460)))
        r = w.take(sport)
        if not r or (r[3] & (SYN | ACK)) != (SYN | ACK):
            return
        self.snd = self.iss + 1
        self.rcv = r[1] + 1
        w.send(w.tcp(sport, port, self.snd, self.rcv, ACK))
        self.ok = True

    def seg(self, flags, data=b"", **kw):
        return self.w.tcp(self.sport, self.port, self.snd, self.rcv, flags,
                          data=data, **kw)

    def reset(self):
        self.w.send(self.w.tcp(self.sport, self.port, self.snd, 0, RST))


BAD_OPTS = [
    b"\x02\x00", b"\x02\x01", b"\x02", b"\x02\x03\x05", b"\x02\x28",
    b"\x03\x03\xff", b"\x03\x02", b"\x03\x00", b"\x04\x00", b"\x04\x03",
    b"\x08\x0a" + b"\x00" * 7, b"\x08\x00", b"\x08\x0b" + b"\xff" * 9,
    b"\x05\x00", b"\x05\x01", b"\x05\x0a" + b"\xff" * 8,
    b"\x05\x22" + b"\x00" * 32, b"\x05\x03\x00",
    b"\x01" * 40, b"\x00" * 40, b"\x00\x02\x04\x05\xb4",
    b"\xfe\x00", b"\xfe\xff", b"\xff\x02", b"\x1e\x01", b"\x22\x28",
    b"\x01\x01\x02\x00", b"\x13\x12" + b"\x00" * 16,
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr")
    ap.add_argument("count", type=int)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--port", type=int, default=7)
    ap.add_argument("--closed", type=int, default=9)
    a = ap.parse_args()
    random.seed(a.seed)
    print(f"fuzz-frames: seed {a.seed}")
    w = Wire(a.addr)
    deadline = time.monotonic() + a.seconds
    kinds = {}
    rnd = random.getrandbits

    def sent(kind, n=1):
        kinds[kind] = kinds.get(kind, 0) + n

    sport = 20000 + rnd(12)

    def next_sport():
        nonlocal sport
        sport = 20000 + (sport - 19999) % 40000
        return sport

    # All 256 flag combinations, to a listening and a closed port.
    for port, kind in ((a.port, "flags-listen"), (a.closed, "flags-closed")):
        for fl in range(256):
            w.send(w.tcp(next_sport(), port, rnd(32), rnd(32), fl,
                         data=b"x" * (fl % 3)))
            sent(kind)
    # ... and inside established connections.
    hs = hs_fail = 0
    c = None
    for fl in range(256):
        if time.monotonic() > deadline:
            break
        if c is None or not c.ok:
            c = Conn(w, a.port, next_sport())
            if not c.ok:
                hs_fail += 1
                continue
            hs += 1
        data = b"E" * (1 + fl % 100) if fl % 2 == 0 else b""
        w.send(c.seg(fl, data))
        sent("flags-established")
        if fl & (SYN | RST | FIN):
            c.reset()
            c = None
    if c:
        c.reset()
    # Bad options on SYNs, and on segments of an established connection.
    for o in BAD_OPTS:
        w.send(w.tcp(next_sport(), a.port, rnd(32), 0, SYN, opts=o))
        sent("options-syn")
        w.send(w.tcp(next_sport(), a.port, rnd(32), 0, SYN,
                     opts=o[:40], doff=5 + len(o[:40]) // 4))
        sent("options-syn")
        w.send(w.tcp(next_sport(), a.port, rnd(32), 0, SYN,
                     opts=o[:36], doff=15))
        sent("options-syn")
    c = Conn(w, a.port, next_sport())
    if c.ok:
        hs += 1
        for o in BAD_OPTS:
            w.send(c.seg(ACK | PSH, b"opt", opts=o))
            sent("options-established")
        c.reset()
    # IPv4 fragments of SYNs and data: overlapping, tiny, incomplete.
    for i in range(32):
        ident = rnd(16)
        t = tcp_seg(FAKE_IP, w.addr, next_sport(), a.port, rnd(32), 0, SYN,
                    data=bytes(rnd(8) for _ in range(64)))
        frags = []
        kind = i % 6
        if kind == 0:      # overlapping halves
            frags = [(0, t[:48], 1), (3, t[24:], 0)]
        elif kind == 1:    # tiny 8-byte pieces, never the last
            frags = [(j, t[j * 8:j * 8 + 8], 1) for j in range(len(t) // 8)]
        elif kind == 2:    # only the last
            frags = [(5, t[40:], 0)]
        elif kind == 3:    # past 64 KiB
            frags = [(8189, t[:64], 0), (8191, t, 1)]
        elif kind == 4:    # same offset twice, different data
            frags = [(0, t[:16], 1), (0, bytes(16), 1), (2, t[16:], 0)]
        else:              # zero-length fragment with MF, then DF on a frag
            frags = [(0, b"", 1), (1, t[8:], 0x4000 >> 13)]
        for off, piece, mf in frags:
            frag = (off & 0x1fff) | ((mf & 1) << 13)
            if mf == 2:
                frag |= 0x4000
            w.send(w.eth + ip_hdr(FAKE_IP, w.addr, len(piece), ident=ident,
                                  frag=frag) + piece)
            sent("ip-fragments")
    # Truncated frames, bad lengths, versions and checksums.
    good = w.tcp(next_sport(), a.port, rnd(32), 0, SYN)
    for n in (14, 15, 20, 24, 33, 34, 40, 47, 53):
        w.send(good[:n])
        sent("truncated")
    for ihl in range(16):
        for tot in (0, 1, 19, 20, 39, 40, 41, 1500, 0xffff):
            w.send(w.tcp(next_sport(), a.port, rnd(32), 0, SYN, ihl=ihl,
                         tot=tot))
            sent("ip-lengths")
    for ver in (0, 1, 5, 6, 15):
        w.send(w.tcp(next_sport(), a.port, rnd(32), 0, SYN, ver=ver))
        sent("ip-version")
    for doff in range(16):
        w.send(w.tcp(next_sport(), a.port, rnd(32), 0, SYN, doff=doff))
        sent("tcp-doff")
        w.send(w.tcp(next_sport(), a.port, rnd(32), 0, SYN, doff=doff,
                     opts=b"\x01" * 40))
        sent("tcp-doff")
    for _ in range(32):
        w.send(w.tcp(next_sport(), a.port, rnd(32), 0, SYN, bad_ip=True))
        sent("bad-ip-csum")
        w.send(w.tcp(next_sport(), a.port, rnd(32), 0, SYN, bad_csum=True))
        sent("bad-tcp-csum")
    planned = set(kinds)
    # Random byte flips of valid segments, up to COUNT in all.
    c = None
    while w.sent < a.count and time.monotonic() < deadline:
        if c is None or not c.ok:
            c = Conn(w, a.port, next_sport())
            hs += c.ok
            hs_fail += not c.ok
        base = c.seg(ACK | PSH, b"m" * rnd(6)) if c.ok and rnd(1) else \
            w.tcp(next_sport(), a.port, rnd(32), 0, SYN,
                  opts=random.choice(BAD_OPTS))
        f = bytearray(base)
        for _ in range(1 + rnd(2)):
            i = 14 + random.randrange(len(f) - 14)
            f[i] ^= 1 << rnd(3)
        if rnd(3) == 0:
            f = f[:14 + random.randrange(len(f) - 13)]
        w.send(bytes(f))
        sent("mutated")
        if rnd(5) == 0 and c.ok:
            c.reset()
            c = None
    if c and c.ok:
        c.reset()
    time.sleep(0.5)
    w.stop = True
    print(f"fuzz-frames: {w.sent} frames sent in total, {hs} handshakes "
          f"({hs_fail} failed), {w.arps} ARP replies")
    for k, n in kinds.items():
        print(f"fuzz-frames: {k} {n}")
    print(f"FUZZ frames={w.sent}")
    want = {"flags-listen", "flags-closed", "flags-established",
            "options-syn", "options-established", "ip-fragments",
            "truncated", "ip-lengths", "ip-version", "tcp-doff",
            "bad-ip-csum", "bad-tcp-csum"}
    missing = want - planned
    if missing:
        print(f"fuzz-frames: kinds not sent: {sorted(missing)}")
    if w.sent < a.count:
        print(f"fuzz-frames: only {w.sent} of {a.count} frames in time")
    return 0 if not missing and hs and w.sent >= a.count else 1


if __name__ == "__main__":
    raise SystemExit(main())
