#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fetch.sh URL SHA256: download URL over TCP and compare its digest.
set -eu
out=$(mktemp)
trap 'rm -f "$out"' EXIT
curl -sS --max-time 30 -o "$out" "$1"
got=$(sha256sum "$out" | cut -d' ' -f1)
echo "fetched $(stat -c %s "$out") bytes, sha256 $got"
[ "$got" = "$2" ]
