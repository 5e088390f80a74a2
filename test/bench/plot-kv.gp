# SPDX-License-Identifier: GPL-2.0
# make bench-kv's plot: p99 against offered load (requests/s) for
# kv_ixdp and memcached, one colour per workload, from
# test/bench/ratios-kv.awk's CSV.
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
set logscale x
set xlabel "offered load (requests/s, log scale)"
set ylabel "p99 latency (ms, log scale)"
set format y "%g"
set format x "%g"
set title "memcached text protocol, open loop (Poisson) in the QEMU guest: kv\\_ixdp vs memcached 1.6"
pick(w, c) = (strcol(1) eq w) ? column(c) : NaN
plot for [i=1:words(wls)] csv using (pick(word(wls, i), 3)):(pick(word(wls, i), 6) / 1000) \
	skip 1 smooth unique with linespoints lw 2 pt 7 lc i title "kv\\_ixdp ".word(wls, i), \
     for [i=1:words(wls)] csv using (pick(word(wls, i), 7)):(pick(word(wls, i), 10) / 1000) \
	skip 1 smooth unique with linespoints lw 2 pt 5 dt 2 lc i title "memcached ".word(wls, i)
