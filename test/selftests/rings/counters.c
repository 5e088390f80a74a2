// SPDX-License-Identifier: GPL-2.0
/*
 * The dataplane's counters as the stages wait for them:
 *   rings idle LABEL SECONDS    back to rest: no context, no connection
 *                               of an application, every buffer free
 *   rings wait NAME MIN SECONDS the counter's sum reaches MIN
 *   rings features              exit 0 if the module has our IXDP_ABI_VERSION
 */
#include "app.h"

int mode_idle(const char *label, int secs)
{
	uint64_t start = now_ms(), end = start + (uint64_t)secs * 1000;
	long long apps, conns, rf, rt, tf, tt, all;
	unsigned int n = 0;
	char *snap;

	for (;;) {
		snap = stat_snapshot();
		apps = stat_of(snap, -1, "dp_apps");
		conns = stat_of(snap, -1, "dp_app_conns");
		rf = stat_of(snap, -1, "dp_rxbuf_free");
		rt = stat_of(snap, -1, "dp_rxbuf_total");
		tf = stat_of(snap, -1, "dp_txbuf_free");
		tt = stat_of(snap, -1, "dp_txbuf_total");
		all = stat_of(snap, -1, "dp_conns");
		free(snap);
		if ((!apps && !conns && rf == rt && tf == tt && rt > 0 &&
		     tt > 0) || now_ms() >= end)
			break;
		if (!(n++ % 5))
			ksft_print_msg("%s: at %llu ms: dp_apps %lld dp_app_conns %lld dp_conns %lld rxbuf %lld/%lld txbuf %lld/%lld\n",
				       label,
				       (unsigned long long)(now_ms() - start),
				       apps, conns, all, rf, rt, tf, tt);
		sleep_ms(200);
	}
	ksft_print_msg("%s: after %llu ms: dp_apps %lld dp_app_conns %lld dp_conns %lld rxbuf %lld/%lld txbuf %lld/%lld\n",
		       label, (unsigned long long)(now_ms() - start), apps,
		       conns, all, rf, rt, tf, tt);
	ksft_test_result(apps == 0, "%s: no context is attached (dp_apps %lld)",
			 label, apps);
	ksft_test_result(conns == 0,
			 "%s: no connection belongs to an application (dp_app_conns %lld)",
			 label, conns);
	ksft_test_result(rt > 0 && rf == rt,
			 "%s: every RX buffer is free (%lld of %lld)", label, rf,
			 rt);
	ksft_test_result(tt > 0 && tf == tt,
			 "%s: every TX buffer is free (%lld of %lld)", label, tf,
			 tt);
	return ksft_finish();
}

int mode_wait(const char *name, long long min, int secs)
{
	uint64_t end = now_ms() + (uint64_t)secs * 1000;
	long long v;

	while ((v = core_stat(-1, name)) < min && now_ms() < end)
		sleep_ms(200);
	printf("# %s = %lld\n", name, v);
	return v >= min ? 0 : 1;
}

int mode_features(void)
{
	struct ixdp_version_info v = {};
	int fd = open("/dev/ixdp", O_RDWR | O_CLOEXEC);
	int err = fd < 0 || ioctl(fd, IXDP_IOC_VERSION, &v) < 0;

	if (fd >= 0)
		close(fd);
	printf("# module %s, features %#llx\n", err ? "?" : v.module_version,
	       (unsigned long long)v.features);
	return !err && v.abi_version == IXDP_ABI_VERSION ? 0 : 1;
}
