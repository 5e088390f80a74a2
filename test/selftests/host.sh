#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The host side of the tap as a test peer: the host pings the guest's own
# Linux address and downloads a file from a server in the guest, proving
# that host-side commands run while the guest serves.
. /selftests/lib.sh

# fd 7, the request channel, is inherited from run.sh: a virtio port
# opens only once.
mkdir -p /tmp/www
dd if=/dev/urandom of=/tmp/www/payload bs=1024 count=1024 2>/dev/null
sum=$(sha256sum /tmp/www/payload | cut -d' ' -f1)
httpd -p 8080 -h /tmp/www
pid=$(pidof httpd)

host_run ping "$IXDP_GUEST_IP" 5
tap_check "host pings the guest's Linux address" [ $? -eq 0 ]
host_run fetch "http://$IXDP_GUEST_IP:8080/payload" "$sum"
tap_check "host downloads 1 MiB from the guest byte-exact" [ $? -eq 0 ]
host_run exit-status 3
tap_check "a failing host command reports its status" [ $? -eq 3 ]

[ -n "$pid" ] && kill "$pid"
tap_finish
