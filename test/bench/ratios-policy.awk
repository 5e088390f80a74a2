# SPDX-License-Identifier: GPL-2.0
#
# The table of "make bench-policy": per phase of the stepped load, the
# static configuration (two active cores) and the policy (ixdpd parking
# and adding cores), msgs/s and p50/p99 in us, the policy's ratios, and
# the CPU time of the dataplane kthreads over the whole run of each.
# Run after csv.awk (test/bench/report.sh), which with -v csv=PREFIX
# also writes the table as PREFIX.csv and the CPU times as
# PREFIX-cpu.csv.
/RESULT / {
	for (i = 1; i <= NF; i++) {
		if ($i == "RESULT") label = $(i + 1)
		if ($i == "msgs/s") rate[label] = $(i + 1)
		if ($i == "p50_us") p50[label] = $(i + 1)
		if ($i == "p99_us") p99[label] = $(i + 1)
	}
}
/^CPU / {
	for (i = 1; i <= NF; i++) {
		if ($i == "CPU") cfg = $(i + 1)
		if ($i == "ticks") cpu[cfg] = $(i + 1)
		if ($i == "hz") hz = $(i + 1)
	}
}
END {
	printf "%-6s %10s %8s %8s %10s %8s %8s %7s %7s\n", "phase", "static/s",
	       "p50", "p99", "policy/s", "p50", "p99", "rate", "p99"
	csv_row("", "phase,static_msgs_per_s,static_p50_us,static_p99_us,policy_msgs_per_s,policy_p50_us,policy_p99_us,rate_ratio,p99_ratio")
	n = split("low1 high low2", ph, " ")
	for (j = 1; j <= n; j++) {
		s = "static/" ph[j]; p = "policy/" ph[j]
		if (!(s in rate) || !(p in rate)) continue
		printf "%-6s %10.0f %8.0f %8.0f %10.0f %8.0f %8.0f %7.2f %7.2f\n",
		       ph[j], rate[s], p50[s], p99[s], rate[p], p50[p], p99[p],
		       rate[s] ? rate[p] / rate[s] : 0, p99[s] ? p99[p] / p99[s] : 0
		csv_row("", sprintf("%s,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.2f,%.2f",
			ph[j], rate[s], p50[s], p99[s], rate[p], p50[p], p99[p],
			rate[s] ? rate[p] / rate[s] : 0, p99[s] ? p99[p] / p99[s] : 0))
	}
	if ("epoll/high" in rate)
		printf "Linux epoll, high phase: %.0f msgs/s, p99 %.0f us; ixdp static %.2fx, policy %.2fx of its rate\n",
		       rate["epoll/high"], p99["epoll/high"],
		       rate["epoll/high"] ? rate["static/high"] / rate["epoll/high"] : 0,
		       rate["epoll/high"] ? rate["policy/high"] / rate["epoll/high"] : 0
	if (("static" in cpu) && ("policy" in cpu) && hz > 0) {
		csv_row("cpu", "config,kthread_cpu_s")
		csv_row("cpu", sprintf("static,%.2f", cpu["static"] / hz))
		csv_row("cpu", sprintf("policy,%.2f", cpu["policy"] / hz))
	}
	if (("static" in cpu) && ("policy" in cpu) && cpu["static"] > 0)
		printf "dataplane kthread CPU: static %.2f s, policy %.2f s: the policy used %.0f%% less\n",
		       cpu["static"] / hz, cpu["policy"] / hz,
		       100 * (1 - cpu["policy"] / cpu["static"])
}
