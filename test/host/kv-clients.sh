#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kv-clients.sh ADDRESS PORT [tools|pymemcache]: Debian's memcached
# clients against the server at ADDRESS:PORT, text protocol (only one of
# the two sets when named). First libmemcached-tools
# (memcping, memcstat, memccp, memccat, memcexist, memctouch, memcrm,
# memcflush, and memccapable's ASCII suite), then python3-pymemcache
# (kv_clients.py: multi-get, cas races, expiry, ...). Each check prints
# "ok - ..." or "not ok - ..."; one RESULT line; exit 0 only if every
# check passed. The same script is run against the guest's memcached, so
# that a check failing there too is known to be this test's fault.
set -uo pipefail

addr=$1 port=$2 only=${3:-}
S=$addr:$port
here=$(dirname "$0")
if [ "$only" = pymemcache ]; then
	exec /usr/bin/python3 "$here/kv_clients.py" "$addr" "$port"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0 failed=0

# check NAME COMMAND...: one check, passing when COMMAND does.
check() {
	local name=$1
	shift
	n=$((n + 1))
	if "$@" > "$work/out" 2>&1; then
		echo "ok - $name"
	else
		failed=$((failed + 1))
		echo "not ok - $name"
		head -c 600 "$work/out" | sed 's/^/#   /'
	fi
}

# Files whose basenames are the keys memccp stores them under.
mkdir -p "$work/in" "$work/out.d"
head -c 5000 /dev/urandom > "$work/in/lt-small"
head -c 300000 /dev/urandom > "$work/in/lt-large"
printf 'hello\n' > "$work/in/lt-text"
files=("$work/in/lt-small" "$work/in/lt-large" "$work/in/lt-text")

# cat_same KEY FILE: memccat's value of KEY is FILE's bytes.
cat_same() {
	memccat --servers="$S" --file="$work/out.d/$1" "$1" &&
		cmp "$work/out.d/$1" "$2"
}

# stat_fields: memcstat prints the fields tools read, with the version.
stat_fields() {
	local f out
	out=$(memcstat --servers="$S") || return 1
	printf '%s\n' "$out"
	for f in pid uptime time version curr_connections total_connections \
		cmd_get cmd_set get_hits get_misses curr_items total_items \
		bytes limit_maxbytes threads evictions; do
		grep -qE "^[[:space:]]+$f: " <<< "$out" || { echo "no $f"; return 1; }
	done
}

check "memcping: the server answers" memcping --servers="$S"
check "memcstat -S: version 1.6.x" \
	bash -c "memcstat -S --servers='$S' 2>&1 | grep -qE ' 1\.6\.[0-9]+$'"
check "memcstat: the stats fields clients read" stat_fields
check "memccp of 3 files (5,000 B, 300,000 B, text)" \
	memccp --servers="$S" "${files[@]}"
check "memccat returns each file's bytes" \
	bash -c "$(declare -f cat_same); S='$S' work='$work';
		cat_same lt-small '$work/in/lt-small' &&
		cat_same lt-large '$work/in/lt-large' &&
		cat_same lt-text '$work/in/lt-text'"
check "memccat of several keys at once, one missing, fails for the missing one" \
	bash -c "! memccat --servers='$S' lt-text lt-nokey lt-text > '$work/multi' &&
		[ \"\$(cat '$work/multi')\" = \"\$(printf 'hello\n\nhello')\" ]"
check "memccp -F 7: memccat -F shows the flags" \
	bash -c "memccp -F 7 --servers='$S' '$work/in/lt-text' &&
		memccat -F --servers='$S' lt-text | head -n1 | grep -qx 7"
check "memccp --add of a present key fails" \
	bash -c "! memccp --add --servers='$S' '$work/in/lt-text'"
check "memccp --replace of a missing key fails" \
	bash -c "cp '$work/in/lt-text' '$work/in/lt-new' &&
		! memccp --replace --servers='$S' '$work/in/lt-new'"
check "memcexist: present and missing keys" \
	bash -c "memcexist --servers='$S' lt-small && ! memcexist --servers='$S' lt-nokey"
check "memctouch -e 2: the key is still there" \
	bash -c "memctouch --servers='$S' -e 2 lt-small && memcexist --servers='$S' lt-small"
t_touch=$SECONDS
check "memcrm lt-large: memccat no longer finds it" \
	bash -c "memcrm --servers='$S' lt-large && ! memccat --servers='$S' lt-large"
# memctouch's 2 s are over 3 s after (the clock counts whole seconds).
sleep $((t_touch + 4 - SECONDS))
check "the touched key expired, the others stay" \
	bash -c "! memccat --servers='$S' lt-small && memcexist --servers='$S' lt-text"
check "memccapable -a: memcached's ASCII protocol suite" \
	bash -c "memccapable -h '$addr' -p '$port' -a -t 10 > '$work/cap' 2>&1;
		rc=\$?; cat '$work/cap'; [ \$rc -eq 0 ] && grep -q 'All tests passed' '$work/cap' &&
		! grep -q '\\[fail\\]' '$work/cap'"
check "memccp again, then memcflush: memccat finds nothing" \
	bash -c "memccp --servers='$S' '$work/in/lt-text' && memcflush --servers='$S' &&
		! memccat --servers='$S' lt-text"
echo "RESULT libmemcached-tools checks=$n failed=$failed"
[ "$only" = tools ] && exit $((failed > 0))

# Debian's python3 (the module is Debian's package).
/usr/bin/python3 "$here/kv_clients.py" "$addr" "$port"
rc=$?
[ "$failed" -eq 0 ] && [ "$rc" -eq 0 ]
