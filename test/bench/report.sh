#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# report.sh NAME LOG PREFIX: the report of one benchmark (NAME: bench-dp,
# bench-app, bench-scale or bench-policy) from its log. Prints the text
# tables (test/bench/ratios*.awk) and keeps them as PREFIX.txt, writes the
# same tables and the runs as CSV (test/bench/csv.awk: PREFIX.csv,
# PREFIX-runs.csv, PREFIX-cdf.csv and the report's other tables), then
# draws them (test/bench/plot.sh: PREFIX.png, PREFIX-cdf.png).
#
# Like the tables, this asserts nothing; it fails only when the log holds
# no results or the plots cannot be drawn with gnuplot present.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
name=$1 log=$2 prefix=$3

case $name in
bench-dp) awk=ratios.awk ;;
bench-app) awk=ratios-app.awk ;;
bench-scale) awk=ratios-scale.awk ;;
bench-policy) awk=ratios-policy.awk ;;
*) echo "report.sh: unknown benchmark $name" >&2; exit 2 ;;
esac

# A table a previous run wrote and this one does not (no CDF lines, say)
# must not be drawn as if it were this run's.
rm -f "$prefix.csv" "$prefix".png "$prefix"-*.csv "$prefix"-*.png
awk -v csv="$prefix" -f "$here/csv.awk" -f "$here/$awk" "$log" |
	tee "$prefix.txt"
"$here/plot.sh" "$name" "$prefix"
