#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job (make demo): install what is missing, build ixdp.ko and the
# tools, boot the guest with them and show what ixdp does there.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
kver=$(scripts/kernels.sh default-version)
echo "== building ixdp.ko for $kver and the userspace tools"
make -s module user KVER="$kver"
echo "== booting $kver under QEMU (TCG) in a private network namespace"
exec test/qemu/run.sh --kernel-version "$kver" --mode demo --timeout 300
