# SPDX-License-Identifier: GPL-2.0
# The report of "make bench-app". Reads the run's log:
#   "RESULT target/config/rep msgs/s N p50_us N p99_us N ..." (loadgen)
#   "RESULT check/target conns=N ... " (echocheck, the check before)
# and prints, per configuration, the medians of each target (msg/s, p50
# and p99 in microseconds), then the ratios of ixdp-app to the others:
# throughput (higher is better for ixdp-app) and p99 (lower is better).
# Paired runs from one boot: only the ratios mean anything. A target
# with no run shows "-".
function median(arr, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && arr[j - 1] > arr[j]; j--) {
			t = arr[j]; arr[j] = arr[j - 1]; arr[j - 1] = t
		}
	return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
}
function med(tg, c, what,    k, i, a) {
	k = tg SUBSEP c
	if (!n[k])
		return ""
	for (i = 1; i <= n[k]; i++)
		a[i] = val[what, k, i]
	return median(a, n[k])
}
function num(v, fmt) {
	return v == "" ? "-" : sprintf(fmt, v)
}
function target(tg) {
	if (!(tg in seen_t)) {
		seen_t[tg] = 1
		tgs[++ntg] = tg
	}
}
function ratio(a, b) {
	return a == "" || b == "" || b == 0 ? "-" : sprintf("%.2f", a / b)
}
/RESULT check\// {
	sub(/.*RESULT check\//, "")
	ok = ($0 ~ /mismatches=0 resets=0 / && match($0, /eof_ok=[0-9]+\/[0-9]+/))
	if (ok) {
		split(substr($0, RSTART + 7, RLENGTH - 7), e, "/")
		ok = e[1] == e[2] && $0 ~ /errors=0/
	}
	check[$1] = ok ? "ok" : "FAILED"
	target($1)
	next
}
/RESULT / {
	sub(/.*RESULT /, "")
	if ($2 != "msgs/s" || split($1, lab, "/") != 3)
		next
	target(lab[1])
	if (!(lab[2] in seen_c)) {
		seen_c[lab[2]] = 1
		cfgs[++ncfg] = lab[2]
	}
	k = lab[1] SUBSEP lab[2]
	n[k]++
	val["rate", k, n[k]] = $3 + 0
	val["p50", k, n[k]] = $5 + 0
	val["p99", k, n[k]] = $7 + 0
}
END {
	if (!ncfg) {
		print "bench-app: no results in the log"
		exit 1
	}
	printf "%-7s %-10s %10s %9s %9s %5s  %s\n", "config", "target",
	       "msg/s", "p50 us", "p99 us", "runs", "echo check"
	for (i = 1; i <= ncfg; i++)
		for (t = 1; t <= ntg; t++) {
			c = cfgs[i]; tg = tgs[t]
			printf "%-7s %-10s %10s %9s %9s %5d  %s\n", c, tg,
			       num(med(tg, c, "rate"), "%.0f"),
			       num(med(tg, c, "p50"), "%.0f"),
			       num(med(tg, c, "p99"), "%.0f"),
			       n[tg SUBSEP c],
			       tg in check ? check[tg] : "-"
		}
	printf "\nixdp-app against the others (msg/s ratio: > 1 is faster; p99 ratio: < 1 is better)\n"
	printf "%-7s %9s %9s %9s  %9s %9s %9s\n", "config", "/epoll",
	       "/uring", "/kern", "p99/epoll", "p99/uring", "p99/kern"
	for (i = 1; i <= ncfg; i++) {
		c = cfgs[i]
		ar = med("ixdp-app", c, "rate"); aq = med("ixdp-app", c, "p99")
		printf "%-7s %9s %9s %9s  %9s %9s %9s\n", c,
		       ratio(ar, med("epoll", c, "rate")),
		       ratio(ar, med("uring", c, "rate")),
		       ratio(ar, med("ixdp-kern", c, "rate")),
		       ratio(aq, med("epoll", c, "p99")),
		       ratio(aq, med("uring", c, "p99")),
		       ratio(aq, med("ixdp-kern", c, "p99"))
	}
}
