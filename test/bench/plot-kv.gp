# SPDX-License-Identifier: GPL-2.0
# make bench-kv's plot: p99 against offered load (a fraction of
# memcached's saturation rate) for kv_ixdp and memcached, one colour per
# workload, from test/bench/ratios-kv.awk's CSV.
#   gnuplot -e "csv='build/bench-kv-sweep.csv'; out='x.png'; wls='usr-zipf etc-zipf'" plot-kv.gp
if (!exists("csv")) csv = 'build/bench-kv-sweep.csv'
if (!exists("out")) out = 'build/bench-kv.png'
if (!exists("wls")) wls = 'usr-zipf etc-zipf'
set terminal pngcairo size 720,440 font ",10"
set output out
set datafile separator ","
set key top left
set grid
set logscale y
set xlabel "offered load (fraction of memcached's closed-loop saturation rate)"
set ylabel "p99 latency (us, log scale)"
set title "memcached text protocol, open loop (Poisson): kv\\_ixdp vs memcached 1.6"
set arrow from 1, graph 0 to 1, graph 1 nohead dt 3 lc rgb "gray40"
pick(w, c) = (strcol(1) eq w) ? column(c) : NaN
plot for [i=1:words(wls)] csv using (pick(word(wls, i), 2)):(pick(word(wls, i), 6)) \
	skip 1 with linespoints lw 2 pt 7 lc i title "kv\\_ixdp ".word(wls, i), \
     for [i=1:words(wls)] csv using (pick(word(wls, i), 2)):(pick(word(wls, i), 9)) \
	skip 1 with linespoints lw 2 pt 5 dt 2 lc i title "memcached ".word(wls, i)
