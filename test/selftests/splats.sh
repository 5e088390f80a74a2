#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# splats.sh REGEX [FILE]: print the lines of a kernel log (FILE or stdin)
# that match REGEX, the caller's pattern of warnings, bugs and lockdep or
# KASAN reports. Between the marks "ixdp-fuzz: fault injection on" and
# "ixdp-fuzz: fault injection off" (test/selftests/fuzz.sh) the kernel's
# allocation-failure reports are expected: injected faults cause them. Such
# a report (a "page allocation failure:" or "vmalloc error:" line, then a
# stack dump up to "</TASK>") is left out and counted on stderr; any other
# matching line, also inside one, is printed. Used on the guest's dmesg
# (module.sh kernel-log) and on its console (test/qemu/run.sh).
re=$1
shift
awk -v re="$re" '
/ixdp-fuzz: fault injection on/ { inj = 1 }
/ixdp-fuzz: fault injection off/ { inj = 0; skip = 0 }
inj && /(page allocation failure|vmalloc error):/ { skip = 1; n++; next }
skip && /<\/TASK>/ { skip = 0; next }
skip && /Call Trace/ { next }
$0 ~ re { print }
END {
	if (n)
		printf "splats.sh: %d allocation-failure reports of injected faults left out\n", n > "/dev/stderr"
}' "$@"
