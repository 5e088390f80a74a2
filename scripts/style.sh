#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.pl (from Debian's linux-source-6.1, extracted once into
# .cache/) over the kernel code and the uapi header. Exits non-zero on
# any error, warning or check.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=.cache/checkpatch
if [ ! -x "$cache/scripts/checkpatch.pl" ]; then
	tarball=$(ls /usr/src/linux-source-6.1*.tar.* 2>/dev/null | head -n1)
	[ -n "$tarball" ] || { echo "style: linux-source-6.1 is not installed (make deps)" >&2; exit 1; }
	mkdir -p "$cache"
	tar -xf "$tarball" -C "$cache" --strip-components=1 \
		--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
fi

mkdir -p build
cp=("$cache/scripts/checkpatch.pl" --no-tree --strict --terse --show-types -f)
files=$(ls kmod/*.[ch] kmod/stack/*.[ch] include/uapi/linux/ixdp.h 2>/dev/null |
	grep -v -e '^kmod/compat.h$' -e '^kmod/stack/plat_user.h$' -e '^kmod/trace.h$')
# shellcheck disable=SC2086
"${cp[@]}" $files > build/checkpatch.log 2>&1 || true
# compat.h is the one file whose job is to test the kernel version.
"${cp[@]}" --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON kmod/compat.h \
	>> build/checkpatch.log 2>&1 || true
# trace.h is written in the TRACE_EVENT() layout of include/trace/events/.
"${cp[@]}" --ignore OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT kmod/trace.h \
	>> build/checkpatch.log 2>&1 || true
files="$files kmod/compat.h kmod/trace.h"
if grep -qE ': (ERROR|WARNING|CHECK):' build/checkpatch.log; then
	cat build/checkpatch.log
	echo "style: checkpatch found problems" >&2
	exit 1
fi
echo "style: checkpatch clean on $(echo "$files" | wc -w) files"
