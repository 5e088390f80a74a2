# SPDX-License-Identifier: GPL-2.0
# Reads "RESULT target/config/rep msgs/s N p50_us N p99_us N ..." lines
# and prints, per configuration, the medians for ixdp and Linux and their
# ratios (paired runs from one boot: only ratios mean anything here).
# Run after csv.awk, which with -v csv=PREFIX also writes the table as
# PREFIX.csv.
function median(arr, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && arr[j - 1] > arr[j]; j--) {
			t = arr[j]; arr[j] = arr[j - 1]; arr[j - 1] = t
		}
	return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
}
/RESULT / {
	sub(/.*RESULT /, "")
	split($1, lab, "/")
	k = lab[1] SUBSEP lab[2]
	n[k]++
	rate[k, n[k]] = $3; p50[k, n[k]] = $5; p99[k, n[k]] = $7
	if (!(lab[2] in seen)) {
		seen[lab[2]] = 1
		cfgs[++ncfg] = lab[2]
	}
}
END {
	printf "%-8s %12s %12s %8s %10s %10s %8s\n", "config", "ixdp msg/s",
	       "linux msg/s", "ratio", "ixdp p99", "linux p99", "p99 ratio"
	csv_row("", "config,ixdp_msgs_per_s,linux_msgs_per_s,ratio,ixdp_p99_us,linux_p99_us,p99_ratio")
	for (ci = 1; ci <= ncfg; ci++) {
		c = cfgs[ci]
		for (t = 0; t < 2; t++) {
			tg = t ? "linux" : "ixdp"
			k = tg SUBSEP c
			for (i = 1; i <= n[k]; i++) {
				r[i] = rate[k, i]; q[i] = p99[k, i]
			}
			mr[tg] = median(r, n[k]); mq[tg] = median(q, n[k])
		}
		printf "%-8s %12.0f %12.0f %8.2f %10.0f %10.0f %8.2f\n", c,
		       mr["ixdp"], mr["linux"],
		       mr["linux"] ? mr["ixdp"] / mr["linux"] : 0,
		       mq["ixdp"], mq["linux"],
		       mq["linux"] ? mq["ixdp"] / mq["linux"] : 0
		csv_row("", sprintf("%s,%.0f,%.0f,%.2f,%.0f,%.0f,%.2f", c,
			mr["ixdp"], mr["linux"],
			mr["linux"] ? mr["ixdp"] / mr["linux"] : 0,
			mq["ixdp"], mq["linux"],
			mq["linux"] ? mq["ixdp"] / mq["linux"] : 0))
	}
}
