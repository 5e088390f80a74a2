#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmarks' CSV path without a benchmark (make check runs it):
# test/bench/report.sh over the logs of real runs kept in
# test/bench/fixtures/ (NAME.log, cut to the lines the reports read).
# For each it wants
#   - exactly the CSV files of fixtures/NAME.expected/, byte for byte;
#   - as many rows in NAME-runs.csv as the log has measured runs (counted
#     here with grep, not with the reports' awk);
#   - the text table's numbers in NAME.csv, row for row;
#   - in NAME-cdf.csv, each target's 0.99 quantile within 1 us of the
#     median p99 of its runs (loadgen prints both from one sorted array);
#   - with gnuplot installed, non-empty PNGs under 100 KB.
# Prints "ok"/"not ok" lines and fails on any "not ok".
# "csv-check.sh --update" rewrites the expected files instead (review the
# diff: they are what the checks compare against).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fx=$here/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; fail=1; }
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# Measured runs in a log, by the labels the load generators print:
# loadgen's "RESULT T/C[/repR] msgs/s" and connscale's "LOAD scale/".
runs_in_log() {
	grep -E 'RESULT [^ ]+ msgs/s |LOAD scale/' "$1" |
		grep -vcE 'RESULT (probe|check)/'
}

# The text table's rows as CSV: the first run of lines whose first word
# is one of the CSV's first-column values (a report's first table),
# numbers and words separated by commas, "-" (none) empty and bench-app's
# "(min-max)" two values.
text_rows() {
	local csv=$1 txt=$2
	tail -n +2 "$csv" | cut -d, -f1 | sort -u > "$tmp/keys"
	sed -e 's/^| //' -e 's/ |$//' -e 's/ | / /g' "$txt" |
		awk 'NR == FNR { k[$1] = 1; next }
		     done { next }
		     $1 in k { print; seen = 1; next }
		     seen { done = 1 }' "$tmp/keys" - |
		tr -s ' ' ',' | sed -e 's/,-,/,,/g' -e 's/,-$/,/' \
			-e 's/,(\([0-9]*\)-\([0-9]*\)),/,\1,\2,/'
}

for log in "$fx"/*.log; do
	name=$(basename "$log" .log)
	out=$tmp/$name
	mkdir -p "$out"
	if ! "$here/report.sh" "$name" "$log" "$out/$name" > "$out/report.out" 2>&1; then
		not_ok "$name: report.sh failed"
		sed 's/^/# /' "$out/report.out"
		continue
	fi
	if [ "${1:-}" = --update ]; then
		rm -rf "$fx/$name.expected"
		mkdir -p "$fx/$name.expected"
		cp "$out"/*.csv "$fx/$name.expected/"
		echo "# $name: expected files rewritten"
		continue
	fi
	check "$name: the CSV files are the expected ones" \
		diff -r -x '*.png' -x '*.txt' -x report.out "$fx/$name.expected" "$out"

	n=$(runs_in_log "$log")
	rows=$(($(wc -l < "$out/$name-runs.csv") - 1))
	check "$name: one row per measured run ($rows rows, $n runs)" \
		[ "$rows" -eq "$n" -a "$n" -gt 0 ]

	text_rows "$out/$name.csv" "$out/$name.txt" > "$tmp/text.csv"
	tail -n +2 "$out/$name.csv" > "$tmp/csv.csv"
	check "$name: the CSV table holds the text table's numbers" \
		cmp -s "$tmp/text.csv" "$tmp/csv.csv"
	cmp -s "$tmp/text.csv" "$tmp/csv.csv" ||
		diff "$tmp/text.csv" "$tmp/csv.csv" | sed 's/^/# /'

	if [ -s "$out/$name-cdf.csv" ]; then
		bad=$(awk -F, '
			function median(list,    a, n, i, j, t) {
				n = split(list, a, " ")
				for (i = 2; i <= n; i++)
					for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
						t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
					}
				return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
			}
			FNR == 1 { f++; next }
			f == 1 { p99[$1 "," $2] = p99[$1 "," $2] " " $6; next }
			$3 == "0.99" {
				m++
				d = $4 - median(p99[$1 "," $2])
				if (d > 1 || d < -1) {
					print $1 "," $2 ": " $4 " against " median(p99[$1 "," $2])
					b++
				}
			}
			END { if (!m) print "no 0.99 quantile" }' \
			"$out/$name-runs.csv" "$out/$name-cdf.csv")
		check "$name: each distribution's 0.99 quantile is its runs' p99" \
			[ -z "$bad" ]
		[ -z "$bad" ] || echo "$bad" | sed 's/^/# /'
	fi

	if command -v gnuplot >/dev/null; then
		pngs=$out/$name.png
		[ -s "$out/$name-cdf.csv" ] && pngs="$pngs $out/$name-cdf.png"
		for png in $pngs; do
			size=$(stat -c %s "$png" 2>/dev/null || echo 0)
			check "$name: $(basename "$png") is drawn ($size bytes, < 100 KB)" \
				[ "$size" -gt 1000 -a "$size" -lt 102400 ]
		done
	else
		echo "ok - $name: plots # SKIP no gnuplot (scripts/deps.sh bench)"
	fi
done
[ "$fail" -eq 0 ]
