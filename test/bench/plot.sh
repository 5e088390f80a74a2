#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# plot.sh NAME PREFIX: draw a benchmark's CSV (test/bench/csv.awk) with
# gnuplot (scripts/deps.sh bench installs it):
#   PREFIX.png      two panels from PREFIX-runs.csv: messages/s (the
#                   median, the bar, and min-max of the runs) and p99
#                   round trip (median) of each target, per configuration
#                   (bench-scale: against the number of connections,
#                   log scale)
#   PREFIX-cdf.png  from PREFIX-cdf.csv when the load generator wrote
#                   one (loadgen --cdf): the round-trip distribution of
#                   each target, one panel per configuration, the
#                   fraction of messages against the round trip
# Without gnuplot it says so and draws nothing (the CSV is still there).
set -euo pipefail

name=$1 prefix=$2
runs=$prefix-runs.csv cdf=$prefix-cdf.csv

if ! command -v gnuplot >/dev/null; then
	echo "plot.sh: no gnuplot (scripts/deps.sh bench installs it); $name not drawn"
	exit 0
fi
if [ ! -s "$runs" ]; then
	echo "plot.sh: no runs in $runs; $name not drawn" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The configurations and targets in the order the runs came.
order() {
	awk -F, -v col="$2" 'NR > 1 && !seen[$col]++ { printf "%s ", $col }' "$1"
}
targets=$(order "$runs" 1)
configs=$(order "$runs" 2)

# One row per configuration: the configuration, then per target the
# median, min and max msgs/s and the median p99 ("NaN" where a target
# did not run in it).
awk -F, -v targets="$targets" -v configs="$configs" '
	function median(list,    a, n, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	NR > 1 && $4 != "" {
		k = $1 SUBSEP $2
		rate[k] = rate[k] " " $4
		p99[k] = p99[k] " " $6
		if (!(k in lo) || $4 + 0 < lo[k]) lo[k] = $4 + 0
		if (!(k in hi) || $4 + 0 > hi[k]) hi[k] = $4 + 0
	}
	END {
		nt = split(targets, t, " ")
		nc = split(configs, c, " ")
		for (i = 1; i <= nc; i++) {
			row = c[i]
			for (j = 1; j <= nt; j++) {
				k = t[j] SUBSEP c[i]
				if (k in rate)
					row = row " " median(rate[k]) " " lo[k] " " \
					      hi[k] " " median(p99[k])
				else
					row = row " NaN NaN NaN NaN"
			}
			print row
		}
	}' "$runs" > "$tmp/table.dat"

font="Sans,9"
if [ "$name" = bench-scale ]; then
	# Connection counts are numbers: lines against a log axis.
	gnuplot <<EOF
set terminal pngcairo size 800,600 font "$font"
set output "$prefix.png"
targets = "$targets"
set multiplot layout 2,1 title "$name: median over the runs (lines), min-max (bars)"
set logscale x
set offsets graph 0.05, graph 0.05, graph 0.05, 0
set grid
set key outside top center horizontal
set xlabel "connections"
set ylabel "messages/s"
set yrange [0:*]
plot for [i=1:words(targets)] "$tmp/table.dat" using 1:(column(4*i-2)):(column(4*i-1)):(column(4*i)) \
	with yerrorlines title word(targets, i)
set ylabel "p99 round trip (us)"
set yrange [0:*]
plot for [i=1:words(targets)] "$tmp/table.dat" using 1:(column(4*i+1)) \
	with linespoints title word(targets, i)
unset multiplot
EOF
else
	gnuplot <<EOF
set terminal pngcairo size 800,600 font "$font"
set output "$prefix.png"
targets = "$targets"
set multiplot layout 2,1 title "$name: median over the runs (bars), min-max (whiskers)"
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.8 border -1
set grid ytics
set key outside top center horizontal
set yrange [0:*]
set ylabel "messages/s"
plot for [i=1:words(targets)] "$tmp/table.dat" using (column(4*i-2)):(column(4*i-1)):(column(4*i)):xtic(1) \
	title word(targets, i)
set style histogram clustered gap 2
# Round trips span orders of magnitude from one configuration to the next.
set logscale y
set yrange [*:*]
set ylabel "p99 round trip (us), log scale"
plot for [i=1:words(targets)] "$tmp/table.dat" using (column(4*i+1)):xtic(1) \
	title word(targets, i)
unset multiplot
EOF
fi
echo "plot.sh: $prefix.png"

[ -s "$cdf" ] || exit 0
# One block per configuration and target (gnuplot's "index"), in the
# order of the panels: configuration, then target. A target that has no
# distribution in a configuration gets an empty (NaN) block.
ctargets=$(order "$cdf" 1)
cconfigs=$(order "$cdf" 2)
awk -F, -v targets="$ctargets" -v configs="$cconfigs" '
	NR > 1 { d[$1 SUBSEP $2] = d[$1 SUBSEP $2] $4 " " $3 "\n" }
	END {
		nt = split(targets, t, " ")
		nc = split(configs, c, " ")
		for (i = 1; i <= nc; i++)
			for (j = 1; j <= nt; j++) {
				k = t[j] SUBSEP c[i]
				printf "%s\n\n", k in d ? d[k] : "NaN NaN\n"
			}
	}' "$cdf" > "$tmp/cdf.dat"
ncfg=$(echo "$cconfigs" | wc -w)
gnuplot <<EOF
set terminal pngcairo size $((ncfg > 1 ? 400 * ncfg : 600)),400 font "$font"
set output "$prefix-cdf.png"
targets = "$ctargets"
configs = "$cconfigs"
nt = words(targets)
set multiplot layout 1,$ncfg title "$name: round-trip distribution (median of each quantile over the runs)"
set logscale x
set grid
set key bottom right
set xlabel "round trip (us)"
set yrange [0:1]
do for [c=1:words(configs)] {
	set title word(configs, c)
	set ylabel (c == 1 ? "fraction of messages" : "")
	plot for [i=1:nt] "$tmp/cdf.dat" index ((c - 1) * nt + i - 1) using 1:2 \
		with lines lw 1.5 title word(targets, i)
}
unset multiplot
EOF
echo "plot.sh: $prefix-cdf.png"
