#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tcpdump sees ixdp's traffic. Debian's tcpdump captures on the NIC ixdp
# owns while the host side of the tap runs one TCP connection to the
# in-kernel echo responder: frames ixdp receives pass the packet taps in
# __netif_receive_skb_core before its rx_handler takes them, and frames
# it sends are fed to the taps in kmod/tx.c (dev_queue_xmit_nit), so the
# capture must hold both directions: the handshake, the data and its
# echo (the same bytes back) and a FIN from each side.
. /selftests/lib.sh

IXIP=198.18.0.3
PORT=7
DEV=$IXDP_GUEST_IF
# More than one segment each way (the MSS is 1460).
BYTES=3000
PCAP=/tmp/tcpdump.pcap
NRXQ=$(ls -d /sys/class/net/"$DEV"/queues/rx-* 2>/dev/null | wc -l)

setup() {
	ixctl port add dev "$DEV" addr "$IXIP/24" && wait_carrier "$DEV" &&
	ixctl core add cpu 0 rxq 0 &&
	{ [ "$(nproc)" -lt 2 ] || ixctl core add cpu 1 rxq $((1 % NRXQ)); } &&
	ixctl responder set mode echo port "$PORT"
}

teardown() {
	ixctl port del dev "$DEV" >/dev/null 2>&1
}

if ! tap_check "tcpdump is installed" \
	sh -c 'command -v tcpdump >/dev/null' ||
   ! tap_check "port, cores and echo responder come up" setup; then
	teardown
	tap_finish
	exit
fi

# --immediate-mode: libpcap hands each packet over at once (else it waits
# for a block of the capture ring to fill or time out) and -U writes it
# out at once, so the file is whole when tcpdump is stopped; -c bounds it
# should the stop fail. Debian's tcpdump drops to a user "tcpdump" this
# guest lacks, when capturing and when reading a file: -Z root.
tcpdump -i "$DEV" --immediate-mode -Z root -U -c 200 -w "$PCAP" \
	"tcp port $PORT and host $IXIP" 2> /tmp/tcpdump.err &
tpid=$!
tap_check "tcpdump listens on $DEV" \
	wait_for /tmp/tcpdump.err "listening on $DEV" 20
host_run tcp-echo "$IXIP" "$PORT" 1 "$BYTES"
tap_check "the host's connection echoed $BYTES bytes and closed gracefully" \
	[ $? -eq 0 ]
# The last ACK leaves the host after its read of EOF: give the tap a
# moment, then stop tcpdump by its PID.
sleep 1
kill -TERM "$tpid" 2>/dev/null
wait "$tpid"
tap_diag "$(cat /tmp/tcpdump.err)"

tcpdump -Z root -r "$PCAP" -nn > /tmp/tcpdump.txt 2>/tmp/tcpdump.rerr
tap_check "tcpdump reads the capture back" [ -s /tmp/tcpdump.txt ]
tap_diag "$(cat /tmp/tcpdump.rerr)"
sed 's/^/# /' /tmp/tcpdump.txt | head -n 40

# Lines from the client (to ixdp's port) and from ixdp (from its port).
TO="> $IXIP.$PORT:"
FROM="IP $IXIP.$PORT >"
# count DIRECTION FLAGS: lines of that direction with these flags.
count() {
	grep -F -- "$1" /tmp/tcpdump.txt | grep -cF -- "Flags [$2]"
}
# payload DIRECTION: the TCP payload bytes of that direction, summed.
payload() {
	grep -F -- "$1" /tmp/tcpdump.txt |
		sed -n 's/.*, length \([0-9][0-9]*\)$/\1/p' |
		awk '{ s += $1 } END { print s + 0 }'
}
tap_check "the client's SYN is in the capture (received)" [ "$(count "$TO" S)" -ge 1 ]
tap_check "ixdp's SYN-ACK is in the capture (sent)" [ "$(count "$FROM" S.)" -ge 1 ]
up=$(payload "$TO") down=$(payload "$FROM")
tap_check "the client's $BYTES bytes are in the capture ($up)" [ "$up" -eq "$BYTES" ]
tap_check "ixdp's echo of $BYTES bytes is in the capture ($down)" [ "$down" -eq "$BYTES" ]
fin() {
	grep -F -- "$1" /tmp/tcpdump.txt | grep -c 'Flags \[[A-Z]*F'
}
tap_check "the client's FIN is in the capture" [ "$(fin "$TO")" -ge 1 ]
tap_check "ixdp's FIN is in the capture" [ "$(fin "$FROM")" -ge 1 ]

# The bytes themselves: the payload of each direction, from tcpdump's hex
# dump of each packet (-x starts at the IP header; the payload starts
# after the IP and TCP headers, whose lengths are in their first and
# thirteenth bytes). On this clean link nothing is retransmitted, so the
# echo is the request, byte for byte.
bytes() {
	tcpdump -Z root -r "$PCAP" -nn -x 2>/dev/null | awk -v dir="$1" '
		function flush(   ihl, off, i, s) {
			if (!keep || !n)
				return
			ihl = (index("0123456789abcdef", substr(b[0], 2, 1)) - 1) * 4
			off = ihl + (index("0123456789abcdef", substr(b[ihl + 12], 1, 1)) - 1) * 4
			for (i = off; i < n; i++)
				s = s b[i]
			printf "%s", s
		}
		/^[0-9]/ { flush(); n = 0; keep = index($0, dir) > 0; next }
		/^[ \t]+0x/ {
			for (i = 2; i <= NF; i++) {
				b[n++] = substr($i, 1, 2)
				if (length($i) == 4)
					b[n++] = substr($i, 3, 2)
			}
		}
		END { flush() }'
}
bytes "$TO" > /tmp/tcpdump.up
bytes "$FROM" > /tmp/tcpdump.down
tap_diag "payload hex: $(wc -c < /tmp/tcpdump.up) chars sent, $(wc -c < /tmp/tcpdump.down) echoed"
tap_check "the echoed bytes are the bytes sent" \
	sh -c "[ \$(wc -c < /tmp/tcpdump.up) -eq $((BYTES * 2)) ] && cmp -s /tmp/tcpdump.up /tmp/tcpdump.down"

teardown
tap_finish
