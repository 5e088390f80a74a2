# SPDX-License-Identifier: GPL-2.0
#
# The CSV side of the benchmark reports: given before a report's own
# script (awk -v csv=build/bench-app -f csv.awk -f ratios-app.awk LOG),
# it writes, besides the text the report prints,
#   PREFIX-runs.csv  one row per measured run: target,config,rep,
#                    msgs_per_s,p50_us,p99_us,errors,total,lost
#                    (loadgen's "RESULT T/C/repR msgs/s ..." lines,
#                    connscale's "LOAD scale/T/C/repR k=v ..." lines;
#                    a label without a repetition is rep 1)
#   PREFIX-cdf.csv   target,config,quantile,latency_us: the round-trip
#                    distribution of each target and configuration
#                    (loadgen --cdf's "CDF" lines), the median over its
#                    runs of each quantile
# and gives the report csv_row(SUFFIX, FIELDS) for its own tables
# (PREFIX.csv, PREFIX-SUFFIX.csv). Without -v csv it writes nothing and
# the report prints what it always did. Its rules only read $0.

# csv_row(SUFFIX, ROW): append ROW to PREFIX[-SUFFIX].csv.
function csv_row(suffix, row,    f) {
	if (csv == "")
		return
	f = csv (suffix == "" ? "" : "-" suffix) ".csv"
	print row > f
}

# csv_num(V, FMT): V formatted, or empty when there is none.
function csv_num(v, fmt) {
	return v == "" ? "" : sprintf(fmt, v)
}

# csv_label(LABEL): target, config and rep of a run into csv_l[1..3];
# false for labels that are not a measured run (probes, checks).
function csv_label(label,    n, l, i) {
	n = split(label, l, "/")
	i = l[1] == "scale" ? 2 : 1
	if (n - i < 1 || l[i] == "probe" || l[i] == "check")
		return 0
	csv_l[1] = l[i]
	csv_l[2] = l[i + 1]
	csv_l[3] = 1
	if (n >= i + 2 && l[i + 2] ~ /^rep[0-9]+$/)
		csv_l[3] = substr(l[i + 2], 4) + 0
	return 1
}

function csv_run(rate, p50, p99, errors, total, lost) {
	if (!csv_runs++)
		csv_row("runs", "target,config,rep,msgs_per_s,p50_us,p99_us,errors,total,lost")
	csv_row("runs", csv_l[1] "," csv_l[2] "," csv_l[3] "," rate "," p50 "," \
		p99 "," errors "," total "," lost)
}

function csv_median(list,    a, n, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}

csv != "" && /RESULT / {
	csv_line = $0
	sub(/.*RESULT /, "", csv_line)
	csv_n = split(csv_line, csv_f, " ")
	if (csv_f[2] == "msgs/s" && csv_label(csv_f[1])) {
		delete csv_kv
		for (csv_i = 8; csv_i < csv_n; csv_i += 2)
			csv_kv[csv_f[csv_i]] = csv_f[csv_i + 1]
		csv_run(csv_f[3], csv_f[5], csv_f[7], csv_kv["errors"],
			csv_kv["total"], csv_kv["lost"])
	}
}

csv != "" && /LOAD scale\// {
	csv_line = $0
	sub(/.*LOAD /, "", csv_line)
	csv_n = split(csv_line, csv_f, " ")
	if (csv_label(csv_f[1])) {
		delete csv_kv
		for (csv_i = 2; csv_i <= csv_n; csv_i++)
			if (split(csv_f[csv_i], csv_p, "=") == 2)
				csv_kv[csv_p[1]] = csv_p[2]
		csv_run(csv_kv["msgs_per_s"], csv_kv["p50_us"], csv_kv["p99_us"],
			"", "", "")
	}
}

csv != "" && /CDF / {
	csv_line = $0
	sub(/.*CDF /, "", csv_line)
	csv_n = split(csv_line, csv_f, " ")
	if (csv_f[2] == "n" && csv_label(csv_f[1])) {
		csv_k = csv_l[1] "," csv_l[2]
		if (!(csv_k in csv_cdf_seen)) {
			csv_cdf_seen[csv_k] = 1
			csv_cdf_keys[++csv_ncdf] = csv_k
		}
		for (csv_i = 4; csv_i <= csv_n; csv_i++) {
			if (split(csv_f[csv_i], csv_p, ":") != 2)
				continue
			if (!((csv_k, csv_p[1]) in csv_cdf)) {
				csv_q[csv_k, ++csv_nq[csv_k]] = csv_p[1]
				csv_cdf[csv_k, csv_p[1]] = ""
			}
			csv_cdf[csv_k, csv_p[1]] = csv_cdf[csv_k, csv_p[1]] " " csv_p[2]
		}
	}
}

END {
	if (csv_ncdf)
		csv_row("cdf", "target,config,quantile,latency_us")
	for (csv_i = 1; csv_i <= csv_ncdf; csv_i++) {
		csv_k = csv_cdf_keys[csv_i]
		for (csv_j = 1; csv_j <= csv_nq[csv_k]; csv_j++) {
			csv_p[1] = csv_q[csv_k, csv_j]
			csv_row("cdf", csv_k "," csv_p[1] "," \
				csv_median(csv_cdf[csv_k, csv_p[1]]))
		}
	}
}
