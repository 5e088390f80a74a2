#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send malformed frames to an ixdp address from the tap, by raw socket.

Kinds: an IPv4 packet cut short of its total length, a bad IPv4 header
checksum, a bad TCP
checksum, a TCP header shorter than its data offset. The guest then
checks that its drop counters grew by at least COUNT per kind.
"""
import socket
import struct
import subprocess
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip_header(src, dst, payload_len, proto=6, good_csum=True):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, 1, 0, 64,
                    proto, 0, src, dst)
    c = csum(h) if good_csum else (csum(h) ^ 0x5a5a) or 1
    return h[:10] + struct.pack("!H", c) + h[12:]


def tcp_segment(src, dst, good_csum=True, doff=5):
    t = struct.pack("!HHIIBBHHH", 40000, 7, 1, 0, doff << 4, 0x02, 65535,
                    0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(t))
    c = csum(pseudo + t) if good_csum else (csum(pseudo + t) ^ 0x1234) or 1
    return t[:16] + struct.pack("!H", c) + t[18:]


def main():
    addr, count = sys.argv[1], int(sys.argv[2])
    dev = "ixtap0"
    subprocess.run(["ping", "-c", "1", "-W", "2", addr],
                   stdout=subprocess.DEVNULL, check=False)
    neigh = subprocess.run(["ip", "neigh", "show", addr, "dev", dev],
                           capture_output=True, text=True).stdout.split()
    if "lladdr" not in neigh:
        print(f"bad-frames: no MAC for {addr}")
        return 1
    dmac = bytes.fromhex(neigh[neigh.index("lladdr") + 1].replace(":", ""))
    smac = bytes.fromhex(open(f"/sys/class/net/{dev}/address").read()
                         .strip().replace(":", ""))
    src = socket.inet_aton("198.18.0.1")
    dst = socket.inet_aton(addr)
    eth = dmac + smac + b"\x08\x00"
    good = tcp_segment(src, dst)
    frames = {
        "truncated-ip": eth + ip_header(src, dst, 80) + good,
        "bad-ip-csum": eth + ip_header(src, dst, 20, good_csum=False) + good,
        "bad-tcp-csum": eth + ip_header(src, dst, 20) +
        tcp_segment(src, dst, good_csum=False),
        "short-tcp": eth + ip_header(src, dst, 20) +
        tcp_segment(src, dst, doff=15),
    }
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    for name, f in frames.items():
        for _ in range(count):
            s.send(f)
        print(f"bad-frames: sent {count} x {name} ({len(f)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
