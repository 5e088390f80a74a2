# SPDX-License-Identifier: GPL-2.0
# The table of "make bench-preload" from its log: KVLOAD lines of
# test/bench/kvload.c (labels sat/SERVER/WL/repR) and REDISBENCH lines of
# test/host/preload-check.sh (labels redis/SERVER/repR), SERVER linux or
# preload. Per workload, the median over the repetitions of each
# server's rate (with min-max) and p99, and the ratios preload/linux;
# issue 16's target (USR at saturation >= 1.5x Linux with a lower p99).
function median(list,    a, n, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n ? (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2) : ""
}
function lo(list,    a, n, i, m) {
	n = split(list, a, " "); m = a[1]
	for (i = 2; i <= n; i++) if (a[i] + 0 < m + 0) m = a[i]
	return m
}
function hi(list,    a, n, i, m) {
	n = split(list, a, " "); m = a[1]
	for (i = 2; i <= n; i++) if (a[i] + 0 > m + 0) m = a[i]
	return m
}
function fmt(x) {
	if (x == "") return "-"
	return x >= 100 ? sprintf("%.0f", x) : sprintf("%.1f", x)
}
function ratio(a, b) {
	return (a != "" && b != "" && b > 0) ? sprintf("%.2f", a / b) : "-"
}
function add(where, key, v) { where[key] = where[key] " " v }
function spread(list) {
	return list == "" ? "-" : fmt(median(list)) " (" fmt(lo(list)) "-" fmt(hi(list)) ")"
}
# one(WL, UNIT): a table row for workload WL, p99 in UNIT.
function one(w, unit,    kp, kl) {
	kp = w "/preload"; kl = w "/linux"
	printf "| %s | %s | %s | %s | %s | %s | %s |\n", w,
	       spread(rate[kp]), fmt(median(p99[kp])),
	       spread(rate[kl]), fmt(median(p99[kl])),
	       ratio(median(rate[kp]), median(rate[kl])),
	       ratio(median(p99[kp]), median(p99[kl]))
}
/^HOSTLOAD / { hostload = $3 " " $4 " " $5 }
/KVLOAD sat\// {
	for (f = 1; f < NF && $f != "KVLOAD"; f++)
		;
	split($(f + 1), l, "/")
	delete kv
	for (i = f + 2; i <= NF; i++) {
		split($i, p, "=")
		kv[p[1]] = p[2]
	}
	key = l[3] "/" l[2]
	if (!(l[3] in seenw)) { seenw[l[3]] = 1; wls[++nw] = l[3] }
	conns = kv["conns"]; depth = kv["depth"]
	add(rate, key, kv["rate"]); add(p99, key, kv["p99_us"])
	errors[l[2]] += kv["errors"] + kv["dead"]; runs[l[2]]++
	next
}
/REDISBENCH redis\// {
	for (f = 1; f < NF && $f != "REDISBENCH"; f++)
		;
	split($(f + 1), l, "/")
	delete kv
	for (i = f + 2; i <= NF; i++) {
		split($i, p, "=")
		kv[p[1]] = p[2]
	}
	if (kv["exit"] != 0 || kv["get_rps"] == "" || kv["set_rps"] == "") {
		errors[l[2]]++
		next
	}
	nredis++
	add(rate, "redis-get/" l[2], kv["get_rps"])
	add(p99, "redis-get/" l[2], kv["get_p99_ms"])
	add(rate, "redis-set/" l[2], kv["set_rps"])
	add(p99, "redis-set/" l[2], kv["set_p99_ms"])
	runs[l[2]]++
}
END {
	if (!nw && !nredis) { print "ratios-preload: no KVLOAD or REDISBENCH lines"; exit 1 }
	nrep = 0
	for (k in rate) { c = split(rate[k], a, " "); if (c > nrep) nrep = c }
	printf "\nbench-preload: Debian's servers under libixdp-preload.so (ixdp, 2 cores) against the same binaries on the guest's Linux; medians of %d (min-max); host load before the boot %s\n\n", nrep, hostload
	if (nw) {
		printf "memcached 1.6 -t 2, closed loop (%s connections x %s in flight): requests/s, p99 us\n\n", conns, depth
		print "| workload | preload req/s | p99 us | Linux req/s | p99 us | preload/Linux rate | p99 |"
		print "|---|---|---|---|---|---|---|"
		for (i = 1; i <= nw; i++)
			one(wls[i])
	}
	if (nredis) {
		printf "\nredis-server 7, redis-benchmark -t get,set: requests/s, p99 ms\n\n"
		print "| test | preload req/s | p99 ms | Linux req/s | p99 ms | preload/Linux rate | p99 |"
		print "|---|---|---|---|---|---|---|"
		one("redis-get")
		one("redis-set")
	}
	t = ""
	for (i = 1; i <= nw; i++) {
		if (wls[i] !~ /^usr/)
			continue
		r = ratio(median(rate[wls[i] "/preload"]), median(rate[wls[i] "/linux"]))
		q = ratio(median(p99[wls[i] "/preload"]), median(p99[wls[i] "/linux"]))
		if (r == "-" || q == "-")
			t = t (t == "" ? "" : ", ") wls[i] " - (no figure for both)"
		else
			t = t (t == "" ? "" : ", ") wls[i] " " r "x, p99 " q "x" \
			    ((r + 0 >= 1.5 && q + 0 < 1) ? " (met)" : " (not met)")
	}
	printf "\n| issue 16's target | this run |\n|---|---|\n"
	printf "| memcached USR at saturation: preload/Linux >= 1.5 with a lower p99 | %s |\n", t == "" ? "-" : t
	for (s in runs)
		printf "%s: %d runs, %d errors (kvload errors and dead connections, failed redis-benchmark runs)\n", s, runs[s], errors[s]
}
