# SPDX-License-Identifier: GPL-2.0
# The tables of "make bench-kv" from its log (KVLOAD lines of
# test/bench/kvload.c behind the harness's "host[kv-load]: " prefix,
# labels sat/SERVER/WL/repR and sweep/SERVER/WL/FRACTION/repR): per
# workload the median over the repetitions of each server's saturation
# rate and p99 and their ratio; per sweep workload and offered fraction
# of the server's saturation (its calibration runs, cal/SERVER/WL/N)
# the medians of offered and achieved rate and p99; issue 15's two
# targets. With -v csv=PREFIX it also writes PREFIX-sat.csv,
# PREFIX-sweep.csv (for test/bench/plot-kv.gp) and PREFIX-sweep.wls
# (the sweep's workloads, one line).
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
	return (a != "" && b > 0) ? sprintf("%.2f", a / b) : "-"
}
function add(where, key, v) { where[key] = where[key] " " v }
/^HOSTLOAD / { hostload = $3 " " $4 " " $5 }
/KVLOAD cal\// {
	for (f = 1; f < NF && $f != "KVLOAD"; f++)
		;
	split($(f + 1), l, "/")
	for (i = f + 2; i <= NF; i++)
		if ($i ~ /^rate=/) add(cal, l[3] "/" l[2], substr($i, 6))
	next
}
/KVLOAD (sat|sweep)\// {
	for (f = 1; f < NF && $f != "KVLOAD"; f++)
		;
	n = split($(f + 1), l, "/")
	delete kv
	for (i = f + 2; i <= NF; i++) {
		split($i, p, "=")
		kv[p[1]] = p[2]
	}
	if (l[1] == "sat") {
		key = l[3] "/" l[2]
		if (!(l[3] in seenw)) { seenw[l[3]] = 1; wls[++nw] = l[3] }
		conns = kv["conns"]; depth = kv["depth"]
	} else {
		key = l[3] "/" l[4] "/" l[2]
		if (!((l[3] "/" l[4]) in seenf)) {
			seenf[l[3] "/" l[4]] = 1
			if (!(l[3] in seens)) { seens[l[3]] = 1; sw[++ns] = l[3] }
			fr[l[3], ++nf[l[3]]] = l[4]
		}
		add(offered, key, kv["offered"])
	}
	reps[l[2]] = l[n]
	add(rate, key, kv["rate"]); add(p50, key, kv["p50_us"])
	add(p99, key, kv["p99_us"]); add(cpu, key, kv["cpu_pct"])
	misses[l[2]] += kv["misses"]; errors[l[2]] += kv["errors"]
	unfin[key] += kv["unfinished"]; runs[l[2]]++
}
END {
	if (!nw && !ns) { print "ratios-kv: no KVLOAD lines"; exit 1 }
	nrep = 0
	for (k in rate) { c = split(rate[k], a, " "); if (c > nrep) nrep = c }
	printf "\nbench-kv: kv_ixdp (inline, 2 cores) against memcached 1.6 (-t 2) in one guest; medians of %d; host load before the boot %s\n", nrep, hostload
	printf "\nSaturation, closed loop (%s connections x %s in flight): requests/s, min-max, p99 us, the generator's CPU %%\n\n", conns, depth
	print "| workload | kv_ixdp req/s | p99 us | memcached req/s | p99 us | ixdp/memcached | kvload CPU % (ixdp, memcached) |"
	print "|---|---|---|---|---|---|---|"
	if (csv != "") {
		satf = csv "-sat.csv"
		print "workload,server,rate,rate_min,rate_max,p50_us,p99_us,kvload_cpu_pct" > satf
	}
	for (i = 1; i <= nw; i++) {
		w = wls[i]; ri = median(rate[w "/ixdp"]); rm = median(rate[w "/memcached"])
		printf "| %s | %s (%s-%s) | %s | %s (%s-%s) | %s | %s | %s, %s |\n", w,
		       fmt(ri), fmt(lo(rate[w "/ixdp"])), fmt(hi(rate[w "/ixdp"])),
		       fmt(median(p99[w "/ixdp"])),
		       fmt(rm), fmt(lo(rate[w "/memcached"])), fmt(hi(rate[w "/memcached"])),
		       fmt(median(p99[w "/memcached"])), ratio(ri, rm),
		       fmt(median(cpu[w "/ixdp"])), fmt(median(cpu[w "/memcached"]))
		sat[w] = ratio(ri, rm)
		if (csv != "")
			for (s = 0; s < 2; s++) {
				srv = s ? "memcached" : "ixdp"; k = w "/" srv
				if (rate[k] != "")
					printf "%s,%s,%s,%s,%s,%s,%s,%s\n", w, srv, median(rate[k]),
					       lo(rate[k]), hi(rate[k]), median(p50[k]),
					       median(p99[k]), median(cpu[k]) > satf
			}
	}
	if (ns) {
		printf "\nOpen loop (Poisson): each server at fractions of its own saturation rate (mc: kv_ixdp at memcached's); offered and achieved requests/s, p50 and p99 us from the intended send time\n"
		printf "Saturation rates of the calibration (closed loop, median):"
		for (i = 1; i <= ns; i++)
			printf " %s kv_ixdp %s (%s), memcached %s (%s)%s", sw[i],
			       fmt(median(cal[sw[i] "/ixdp"])), substr(cal[sw[i] "/ixdp"], 2),
			       fmt(median(cal[sw[i] "/memcached"])),
			       substr(cal[sw[i] "/memcached"], 2), i < ns ? ";" : ""
		printf "\n\n"
		print "| workload | fraction | kv_ixdp offered | achieved | p50 | p99 | memcached offered | achieved | p50 | p99 |"
		print "|---|---|---|---|---|---|---|---|---|---|"
		if (csv != "") {
			swf = csv "-sweep.csv"
			print "workload,fraction,ixdp_offered,ixdp_rate,ixdp_p50_us,ixdp_p99_us,memcached_offered,memcached_rate,memcached_p50_us,memcached_p99_us" > swf
		}
	}
	for (i = 1; i <= ns; i++) {
		w = sw[i]
		wlist = wlist (i > 1 ? " " : "") w
		for (j = 1; j <= nf[w]; j++) {
			f = fr[w, j]; ki = w "/" f "/ixdp"; km = w "/" f "/memcached"
			printf "| %s | %s | %s | %s | %s | %s%s | %s | %s | %s | %s%s |\n", w, f,
			       fmt(median(offered[ki])), fmt(median(rate[ki])),
			       fmt(median(p50[ki])), fmt(median(p99[ki])),
			       unfin[ki] ? " (" unfin[ki] " unanswered)" : "",
			       fmt(median(offered[km])), fmt(median(rate[km])),
			       fmt(median(p50[km])), fmt(median(p99[km])),
			       unfin[km] ? " (" unfin[km] " unanswered)" : ""
			if (csv != "")
				printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", w, f,
				       median(offered[ki]), median(rate[ki]), median(p50[ki]),
				       median(p99[ki]), median(offered[km]), median(rate[km]),
				       median(p50[km]), median(p99[km]) > swf
		}
		# Issue 15: at memcached's saturation rate, kv_ixdp's p99
		# against memcached's (its own 1.0 point).
		pi = median(p99[w "/mc/ixdp"]); pm = median(p99[w "/1.0/memcached"])
		if (pi != "" && pm != "") at1[w] = ratio(pi, pm)
	}
	if (csv != "" && ns)
		print wlist > (csv "-sweep.wls")
	printf "\n| issue 15's target | this run |\n|---|---|\n"
	t = ""
	for (i = 1; i <= nw; i++)
		if (wls[i] ~ /^usr/)
			t = t (t == "" ? "" : ", ") wls[i] " " sat[wls[i]] \
			    ((sat[wls[i]] != "-" && sat[wls[i]] + 0 >= 2.5) ? " (met)" : " (not met)")
	printf "| USR saturation kv_ixdp/memcached >= 2.5 | %s |\n", t == "" ? "-" : t
	t = ""
	for (i = 1; i <= ns; i++)
		if (sw[i] in at1)
			t = t (t == "" ? "" : ", ") sw[i] " " at1[sw[i]] \
			    ((at1[sw[i]] != "-" && at1[sw[i]] + 0 <= 0.3) ? " (met)" : " (not met)")
	printf "| p99 kv_ixdp/memcached <= 0.3 at memcached's saturation rate | %s |\n", t == "" ? "-" : t
	for (s in runs)
		printf "%s: %d runs, %d misses, %d errors\n", s, runs[s], misses[s], errors[s]
}
