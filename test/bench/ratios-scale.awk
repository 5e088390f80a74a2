# SPDX-License-Identifier: GPL-2.0
# The table of "make bench-scale": for each connection count, the median
# over the repetitions of each target's messages/s and p99 round trip
# (LOAD lines of test/bench/connscale.c, labels scale/TARGET/N/repR),
# ixdp's rate against epoll's and against its own at the smallest count.
# Run after csv.awk (test/bench/report.sh), which with -v csv=PREFIX
# also writes the table as PREFIX.csv.
function median(list,    a, n, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n ? (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2) : ""
}
/LOAD scale\// {
	# "LOAD LABEL k=v ...", maybe behind the harness's "host[NAME]: ".
	for (f = 1; f < NF && $f != "LOAD"; f++)
		;
	split($(f + 1), l, "/")
	key = l[2] "/" l[3]
	for (i = f + 2; i <= NF; i++) {
		split($i, kv, "=")
		if (kv[1] == "msgs_per_s") rate[key] = rate[key] " " kv[2]
		if (kv[1] == "p99_us") p99[key] = p99[key] " " kv[2]
	}
	if (!(l[3] in seen)) { seen[l[3]] = 1; counts[++nc] = l[3] }
}
END {
	if (!nc) { print "ratios-scale: no LOAD lines"; exit 1 }
	# counts in numeric order
	for (i = 2; i <= nc; i++)
		for (j = i; j > 1 && counts[j - 1] + 0 > counts[j] + 0; j--) {
			t = counts[j]; counts[j] = counts[j - 1]; counts[j - 1] = t
		}
	printf "\n| connections | ixdp msg/s | ixdp p99 us | epoll msg/s | epoll p99 us | ixdp/epoll | ixdp vs its %s |\n", counts[1]
	print "|---|---|---|---|---|---|---|"
	csv_row("", "conns,ixdp_msgs_per_s,ixdp_p99_us,epoll_msgs_per_s,epoll_p99_us,ixdp_per_epoll,ixdp_vs_smallest")
	base = median(rate["ixdp/" counts[1]])
	for (i = 1; i <= nc; i++) {
		n = counts[i]
		ri = median(rate["ixdp/" n]); re = median(rate["epoll/" n])
		printf "| %s | %s | %s | %s | %s | %s | %s |\n", n, ri,
		       median(p99["ixdp/" n]), re, median(p99["epoll/" n]),
		       (re > 0 && ri != "") ? sprintf("%.2f", ri / re) : "-",
		       (base > 0 && ri != "") ? sprintf("%.2f", ri / base) : "-"
		csv_row("", n "," ri "," median(p99["ixdp/" n]) "," re "," \
			median(p99["epoll/" n]) "," \
			((re > 0 && ri != "") ? sprintf("%.2f", ri / re) : "") "," \
			((base > 0 && ri != "") ? sprintf("%.2f", ri / base) : ""))
	}
}
