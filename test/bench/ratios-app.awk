# SPDX-License-Identifier: GPL-2.0
# The report of "make bench-app". Reads the log of its two boots:
#   "RESULT target/config/rep msgs/s N p50_us N p99_us N errors N total N
#    [lost N ...]" (loadgen; total: messages echoed over the whole run)
#   "RESULT check/target ..." (echocheck, the check before)
#   "COUNTERS target/config/rep name=delta ..." (the guest, around a run)
#   "bench...: ... left out" (a target that could not run)
#   "HOSTLOAD boot load1 load5 load15 ..." (the host, before each boot)
# and prints, per configuration and target, the median over the runs of
# msg/s (with min-max), p50 and p99 round trip; then the ratios the issue
# sets targets for, each the median of the per-repetition ratios of one
# boot (the XDP ceiling comes from the second boot: a ratio of medians);
# then the guest's counters per message. Nothing is asserted: "no" only
# says a target is not met in this run. A missing value is "-".
# Run after csv.awk, which with -v csv=PREFIX also writes the tables as
# PREFIX.csv (medians), PREFIX-ratios.csv and PREFIX-counters.csv (a
# missing value is empty there).
function sort_n(arr, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && arr[j - 1] > arr[j]; j--) {
			t = arr[j]; arr[j] = arr[j - 1]; arr[j - 1] = t
		}
}
function median(arr, n) {
	sort_n(arr, n)
	return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
}
# The values of WHAT of TG in C over its runs: into arr, their count.
function runs(arr, tg, c, what,    r, m) {
	m = 0
	for (r = 1; r <= maxrep; r++)
		if ((what, tg, c, r) in val)
			arr[++m] = val[what, tg, c, r]
	return m
}
function med(tg, c, what,    a, m) {
	m = runs(a, tg, c, what)
	return m ? median(a, m) : ""
}
function spread(tg, c, what,    a, m) {
	m = runs(a, tg, c, what)
	if (!m)
		return "-"
	sort_n(a, m)
	return sprintf("%.0f-%.0f", a[1], a[m])
}
function per_msg(v) {
	return v == "" ? "-" : sprintf(v < 0.1 ? "%.3f" : "%.2f", v)
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
# The ratio A/B of WHAT in C: the median of the per-repetition ratios
# when both ran in the same boot, else the ratio of the medians; "".
function ratio(a, b, c, what,    r, m, q, x, y) {
	if (boot[a] != boot[b]) {
		x = med(a, c, what); y = med(b, c, what)
		return x == "" || y == "" || y == 0 ? "" : x / y
	}
	m = 0
	for (r = 1; r <= maxrep; r++)
		if ((what, a, c, r) in val && (what, b, c, r) in val &&
		    val[what, b, c, r] > 0)
			q[++m] = val[what, a, c, r] / val[what, b, c, r]
	return m ? median(q, m) : ""
}
# One row of the ratio table: NAME, A/B of WHAT, and the issue's target
# OP LIMIT in configuration TC ("" for none).
function ratio_row(name, a, b, what, tc, op, limit,    i, c, v, goal, met, row) {
	printf "%-20s", name
	row = name
	goal = "-"; met = "-"
	for (i = 1; i <= 3; i++) {
		c = std[i]
		v = ratio(a, b, c, what)
		printf " %7s", v == "" ? "-" : sprintf("%.2f", v)
		row = row "," csv_num(v, "%.2f")
		if (c == tc && v != "")
			met = (op == ">=" ? v + 0 >= limit : v + 0 <= limit) ? "yes" : "no"
	}
	if (tc != "")
		goal = tc " " op " " limit
	printf "   %-16s %s\n", goal, met
	csv_row("ratios", row "," (tc == "" ? "" : goal) "," (met == "-" ? "" : met))
}
/HOSTLOAD / {
	sub(/.*HOSTLOAD /, "")
	hostload = hostload sprintf("  %s %s %s %s\n", $1, $2, $3, $4)
	next
}
/bench(-xdp)?: .*left out/ {
	sub(/.*bench/, "bench")
	notes = notes "  " $0 "\n"
	next
}
/RESULT check\// {
	sub(/.*RESULT check\//, "")
	ok = ($0 ~ /mismatches=0 resets=0 / && match($0, /eof_ok=[0-9]+\/[0-9]+/))
	if (ok) {
		split(substr($0, RSTART + 7, RLENGTH - 7), e, "/")
		ok = e[1] == e[2] && $0 ~ /errors=0/
	}
	check[$1] = ok ? "ok" : "FAILED"
	next
}
/^(ixdp-guest: kernel|bench-xdp finished|bench-app finished)/ {
	if ($0 ~ /ixdp-guest: kernel/)
		nboot++
}
/RESULT / {
	sub(/.*RESULT /, "")
	if ($2 != "msgs/s" || split($1, lab, "/") != 3)
		next
	target(lab[1])
	boot[lab[1]] = nboot
	if (!(lab[2] in seen_c)) {
		seen_c[lab[2]] = 1
		cfgs[++ncfg] = lab[2]
	}
	r = substr(lab[3], 4) + 0
	if (r > maxrep)
		maxrep = r
	n[lab[1], lab[2]]++
	val["rate", lab[1], lab[2], r] = $3 + 0
	val["p50", lab[1], lab[2], r] = $5 + 0
	val["p99", lab[1], lab[2], r] = $7 + 0
	for (i = 8; i < NF; i += 2)
		if ($i == "total" || $i == "lost")
			val[$i, lab[1], lab[2], r] = $(i + 1) + 0
	next
}
/COUNTERS / {
	sub(/.*COUNTERS /, "")
	if (split($1, lab, "/") != 3)
		next
	r = substr(lab[3], 4) + 0
	for (i = 2; i <= NF; i++) {
		if (split($i, kv, "=") != 2)
			continue
		if (!(kv[1] in seen_k)) {
			seen_k[kv[1]] = 1
			keys[++nkey] = kv[1]
		}
		cnt[kv[1], lab[1], lab[2], r] = kv[2] + 0
	}
}
END {
	if (!ncfg) {
		print "bench-app: no results in the log"
		exit 1
	}
	std[1] = "c1d1"; std[2] = "c32d1"; std[3] = "c32d16"
	# The per-message counters: delta / messages of the same run.
	for (k in cnt) {
		split(k, p, SUBSEP)
		if (("total", p[2], p[3], p[4]) in val && val["total", p[2], p[3], p[4]] > 0)
			val["c:" p[1], p[2], p[3], p[4]] = cnt[k] / val["total", p[2], p[3], p[4]]
	}

	print "\nmake bench-app: medians of each target's runs in one boot (xdp: a second boot)"
	printf "%-7s %-12s %9s %-15s %7s %7s %4s %6s  %s\n", "config", "target",
	       "msg/s", "(min-max)", "p50 us", "p99 us", "runs", "lost", "echo check"
	csv_row("", "config,target,msgs_per_s,min_msgs_per_s,max_msgs_per_s,p50_us,p99_us,runs,lost,echo_check")
	for (i = 1; i <= ncfg; i++)
		for (t = 1; t <= ntg; t++) {
			c = cfgs[i]; tg = tgs[t]
			if (!n[tg, c])
				continue
			printf "%-7s %-12s %9s %-15s %7s %7s %4d %6s  %s\n", c, tg,
			       num(med(tg, c, "rate"), "%.0f"),
			       "(" spread(tg, c, "rate") ")",
			       num(med(tg, c, "p50"), "%.0f"),
			       num(med(tg, c, "p99"), "%.0f"),
			       n[tg, c], num(med(tg, c, "lost"), "%.0f"),
			       tg in check ? check[tg] : "-"
			m = runs(csv_a, tg, c, "rate")
			sort_n(csv_a, m)
			csv_row("", c "," tg "," csv_num(med(tg, c, "rate"), "%.0f") \
				"," csv_num(m ? csv_a[1] : "", "%.0f") \
				"," csv_num(m ? csv_a[m] : "", "%.0f") \
				"," csv_num(med(tg, c, "p50"), "%.0f") \
				"," csv_num(med(tg, c, "p99"), "%.0f") \
				"," n[tg, c] "," csv_num(med(tg, c, "lost"), "%.0f") \
				"," (tg in check ? check[tg] : ""))
		}
	if (notes != "")
		printf "left out:\n%s", notes

	printf "\nratios (median of the per-repetition ratios; xdp: of the medians)\n"
	printf "%-20s %7s %7s %7s   %-16s %s\n", "", "c1d1", "c32d1", "c32d16",
	       "issue's target", "met"
	csv_row("ratios", "ratio,c1d1,c32d1,c32d16,target,met")
	ratio_row("inline/kern msg/s", "ixdp-inline", "ixdp-kern", "rate", "c32d1", ">=", 0.95)
	ratio_row("inline/epoll msg/s", "ixdp-inline", "epoll", "rate", "c32d16", ">=", 1.6)
	ratio_row("inline/uring msg/s", "ixdp-inline", "uring", "rate", "c32d16", ">=", 1.6)
	ratio_row("inline/xdp msg/s", "ixdp-inline", "xdp", "rate", "c32d1", ">=", 0.8)
	ratio_row("inline/kern p50", "ixdp-inline", "ixdp-kern", "p50", "c1d1", "<=", 1.1)
	ratio_row("inline/epoll p50", "ixdp-inline", "epoll", "p50", "c1d1", "<=", 0.6)
	ratio_row("inline/app msg/s", "ixdp-inline", "ixdp-app", "rate", "", "", "")
	ratio_row("kern/epoll msg/s", "ixdp-kern", "epoll", "rate", "", "", "")
	ratio_row("app/epoll msg/s", "ixdp-app", "epoll", "rate", "", "", "")
	ratio_row("app/uring msg/s", "ixdp-app", "uring", "rate", "", "", "")
	ratio_row("kern/xdp msg/s", "ixdp-kern", "xdp", "rate", "", "", "")
	# An A/B run (make bench-app BENCH_CFGB=): "+b" targets ran with
	# the second configuration, in the same boot.
	if (("ixdp-kern+b" in seen_t) || ("ixdp-inline+b" in seen_t)) {
		ratio_row("inline+b/kern+b msg/s", "ixdp-inline+b", "ixdp-kern+b", "rate", "", "", "")
		ratio_row("inline+b/kern+b p50", "ixdp-inline+b", "ixdp-kern+b", "p50", "", "", "")
		ratio_row("inline+b/inline msg/s", "ixdp-inline+b", "ixdp-inline", "rate", "", "", "")
		ratio_row("kern+b/kern msg/s", "ixdp-kern+b", "ixdp-kern", "rate", "", "", "")
		ratio_row("inline+b/inline p50", "ixdp-inline+b", "ixdp-inline", "p50", "", "", "")
		ratio_row("kern+b/kern p50", "ixdp-kern+b", "ixdp-kern", "p50", "", "", "")
	}

	if (nkey) {
		# The guest's counters, the dataplane's in a fixed order, then
		# any others (counters added later) by name.
		m = split("ctxt intr dp_loops dp_run_loops dp_run_calls " \
			  "dp_run_sleeps dp_sleeps dp_busy_polls dp_batches " \
			  "dp_tx_doorbells dp_app_events dp_app_cmds " \
			  "dp_rx_frames dp_tx_frames", order, " ")
		nk = 0
		for (j = 1; j <= m; j++)
			if (order[j] in seen_k) {
				okeys[++nk] = order[j]
				done_k[order[j]] = 1
			}
		m = 0
		for (j = 1; j <= nkey; j++)
			if (!(keys[j] in done_k))
				rest[++m] = keys[j]
		sort_n(rest, m)
		for (j = 1; j <= m; j++)
			okeys[++nk] = rest[j]
		for (j = 1; j <= nk; j++)
			keys[j] = okeys[j]
		printf "\nper message (guest counters over the whole run, warm-up included; medians)\n"
		printf "%-7s %-12s", "config", "target"
		row = "config,target"
		for (j = 1; j <= nkey; j++) {
			h = keys[j]
			sub(/^dp_/, "", h)
			printf " %*s", length(h) < 6 ? 6 : length(h), h
			row = row "," keys[j]
		}
		printf "\n"
		csv_row("counters", row)
		for (i = 1; i <= ncfg; i++)
			for (t = 1; t <= ntg; t++) {
				c = cfgs[i]; tg = tgs[t]
				if (!n[tg, c])
					continue
				printf "%-7s %-12s", c, tg
				row = c "," tg
				for (j = 1; j <= nkey; j++) {
					h = keys[j]
					sub(/^dp_/, "", h)
					v = per_msg(med(tg, c, "c:" keys[j]))
					printf " %*s", length(h) < 6 ? 6 : length(h), v
					row = row "," (v == "-" ? "" : v)
				}
				printf "\n"
				csv_row("counters", row)
			}
	}
	if (hostload != "")
		printf "\nhost load average (1, 5, 15 min) before each boot:\n%s", hostload
}
