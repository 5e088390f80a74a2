// SPDX-License-Identifier: GPL-2.0
/*
 * ixdpd and the CPUs under the dataplane (Documentation/ixdpd.rst):
 * whether they are online and isolated, the other IRQs steered off them,
 * ixdpd kept off them.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ixdpd.h"

#define CPU_SYSFS	"/sys/devices/system/cpu"
#define MAX_QUEUE_IRQS	256

/* The first line of @path without its newline. Returns 0 or -errno. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int err = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f)) {
		buf[0] = '\0';
		if (ferror(f))
			err = -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return err;
}

static int parse_cpu(const char **s, unsigned long *v)
{
	const char *p = *s;
	unsigned long n = 0;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	while (*p >= '0' && *p <= '9') {
		n = n * 10 + (unsigned long)(*p - '0');
		if (n >= CPU_SETSIZE)
			return -ERANGE;
		p++;
	}
	*v = n;
	*s = p;
	return 0;
}

/*
 * A cpulist as sysfs and procfs print it, "0-2,5", or empty: strictly,
 * no blank, no stride, ranges ascending. Returns 0 or -EINVAL.
 */
static int cpulist_parse(const char *s, cpu_set_t *set)
{
	unsigned long a, b;

	CPU_ZERO(set);
	if (!*s)
		return 0;
	for (;;) {
		if (parse_cpu(&s, &a))
			return -EINVAL;
		b = a;
		if (*s == '-') {
			s++;
			if (parse_cpu(&s, &b) || b < a)
				return -EINVAL;
		}
		for (; a <= b; a++)
			CPU_SET(a, set);
		if (!*s)
			return 0;
		if (*s++ != ',')
			return -EINVAL;
	}
}

static void cpulist_format(const cpu_set_t *set, char *buf, size_t len)
{
	size_t n = 0;
	int a, b;

	buf[0] = '\0';
	for (a = 0; a < CPU_SETSIZE && n < len; a++) {
		if (!CPU_ISSET(a, set))
			continue;
		for (b = a; b + 1 < CPU_SETSIZE && CPU_ISSET(b + 1, set); b++)
			;
		if (a == b)
			n += (size_t)snprintf(buf + n, len - n, "%s%d",
					      n ? "," : "", a);
		else
			n += (size_t)snprintf(buf + n, len - n, "%s%d-%d",
					      n ? "," : "", a, b);
		a = b;
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}

static void dataplane_cpus(const struct ixdpd_config *cfg, cpu_set_t *dp)
{
	unsigned int i;

	CPU_ZERO(dp);
	for (i = 0; i < cfg->ncores; i++)
		CPU_SET(cfg->core[i].cpu, dp);
}

/*
 * A cpulist file of sysfs: a missing file is an empty list (@missing set),
 * one that does not parse an error with a message in @err.
 */
static int read_cpulist(const char *path, cpu_set_t *set, bool *missing,
			char *text, size_t tlen, char *err, size_t len)
{
	int ret;

	*missing = false;
	CPU_ZERO(set);
	ret = read_line(path, text, tlen);
	if (ret == -ENOENT) {
		*missing = true;
		text[0] = '\0';
		return 0;
	}
	if (ret) {
		snprintf(err, len, "cannot read %s: %s", path, strerror(-ret));
		return ret;
	}
	/* An empty mask, as some kernels print nohz_full without nohz_full= */
	if (!strcmp(text, "(null)")) {
		text[0] = '\0';
		return 0;
	}
	if (cpulist_parse(text, set)) {
		snprintf(err, len, "%s: \"%s\" is not a CPU list", path, text);
		return -EINVAL;
	}
	return 0;
}

/* Every dataplane CPU exists and is online; 0 or -ENODEV with @err. */
static int cpus_online(const struct ixdpd_config *cfg, char *err, size_t len)
{
	char path[96], buf[64];
	unsigned int i;

	for (i = 0; i < cfg->ncores; i++) {
		uint32_t cpu = cfg->core[i].cpu;

		snprintf(path, sizeof(path), CPU_SYSFS "/cpu%u", cpu);
		if (access(path, F_OK)) {
			snprintf(err, len, "core %u: CPU %u does not exist (no %s): refusing it",
				 cpu, cpu, path);
			return -ENODEV;
		}
		snprintf(path, sizeof(path), CPU_SYSFS "/cpu%u/online", cpu);
		if (!read_line(path, buf, sizeof(buf)) && strcmp(buf, "1")) {
			snprintf(err, len, "core %u: CPU %u is offline (%s is %s): refusing it; bring it online with \"echo 1 > %s\" or configure another CPU",
				 cpu, cpu, path, buf, path);
			return -ENODEV;
		}
	}
	return 0;
}

/* The kernel's isolcpus= and nohz_full= sets, as lists and as text. */
struct isolation {
	cpu_set_t isol, nohz;
	bool isol_missing, nohz_missing;
	char isol_s[1024], nohz_s[1024];
};

/* Whether @cpu is isolated; logs what it found. False if it is not. */
static bool cpu_isolated(const struct ixdpd_config *cfg,
			 const struct isolation *is, uint32_t cpu)
{
	bool in_isol = CPU_ISSET(cpu, &is->isol);
	bool in_nohz = CPU_ISSET(cpu, &is->nohz);
	char why[448];

	if (in_isol && in_nohz) {
		log_info("CPU %u is isolated (isolcpus and nohz_full)", cpu);
		return true;
	}
	if (in_isol || in_nohz) {
		log_info("CPU %u is isolated (%s); it is not in %s, so %s",
			 cpu, in_isol ? "isolcpus" : "nohz_full",
			 in_isol ? "nohz_full" : "isolcpus",
			 in_isol ? "the scheduler tick still interrupts it" :
			 "the scheduler may still place other tasks there");
		return true;
	}
	snprintf(why, sizeof(why), "CPU %u is not isolated: it is in neither %s/isolated (\"%.64s\") nor %s/nohz_full (%s%.64s%s), so other tasks and the tick may run there; add isolcpus=%u nohz_full=%u to the kernel command line, or move the other tasks off it with a cpuset",
		 cpu, CPU_SYSFS, is->isol_s, CPU_SYSFS,
		 is->nohz_missing ? "not built in" : "\"",
		 is->nohz_missing ? "" : is->nohz_s,
		 is->nohz_missing ? "" : "\"", cpu, cpu);
	if (cfg->isolation == IXDPD_ISOL_REQUIRE)
		log_err("%s", why);
	else
		log_warn("%s", why);
	return false;
}

/*
 * Before the kernel is touched: every dataplane CPU must exist and be
 * online (always), and, unless "isolation off", be isolated from the
 * scheduler (isolcpus=) or the tick (nohz_full=). "warn" logs one line
 * per CPU that is not; "require" refuses. Returns 0, or -errno with the
 * reason in @err.
 */
int ixdpd_cpus_check(const struct ixdpd_config *cfg, char *err, size_t len)
{
	unsigned int i, nbad = 0, first = 0;
	struct isolation *is;
	int ret;

	ret = cpus_online(cfg, err, len);
	if (ret)
		return ret;
	if (cfg->isolation == IXDPD_ISOL_OFF || !cfg->ncores) {
		log_debug("isolation %s: the dataplane CPUs are not checked",
			  ixdpd_isolation_name(cfg->isolation));
		return 0;
	}
	is = calloc(1, sizeof(*is));
	if (!is) {
		snprintf(err, len, "isolation: out of memory");
		return -ENOMEM;
	}
	ret = read_cpulist(CPU_SYSFS "/isolated", &is->isol, &is->isol_missing,
			   is->isol_s, sizeof(is->isol_s), err, len);
	if (!ret)
		ret = read_cpulist(CPU_SYSFS "/nohz_full", &is->nohz,
				   &is->nohz_missing, is->nohz_s,
				   sizeof(is->nohz_s), err, len);
	if (!ret && is->isol_missing)
		log_debug("isolation: %s/isolated is missing: no CPU is in isolcpus",
			  CPU_SYSFS);
	if (ret) {
		free(is);
		if (cfg->isolation == IXDPD_ISOL_REQUIRE)
			return ret;
		log_warn("isolation: %s; the dataplane CPUs are not checked",
			 err);
		return 0;
	}
	for (i = 0; i < cfg->ncores; i++) {
		if (cpu_isolated(cfg, is, cfg->core[i].cpu))
			continue;
		if (!nbad++)
			first = cfg->core[i].cpu;
	}
	free(is);
	if (nbad && cfg->isolation == IXDPD_ISOL_REQUIRE) {
		snprintf(err, len, "isolation require: %u dataplane CPU%s not isolated (CPU %u first: no isolcpus= or nohz_full= for it); refusing to start",
			 nbad, nbad == 1 ? " is" : "s are", first);
		return -EPERM;
	}
	return 0;
}

/* The name of IRQ @irq's first handler, from /proc/irq/N/NAME/. */
static void irq_name(unsigned int irq, char *buf, size_t len)
{
	char path[64];
	struct dirent *e;
	DIR *d;

	snprintf(buf, len, "no handler");
	snprintf(path, sizeof(path), "/proc/irq/%u", irq);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_type == DT_DIR && e->d_name[0] != '.') {
			snprintf(buf, len, "%.*s", (int)len - 1, e->d_name);
			break;
		}
	closedir(d);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* The MSI vectors in @dir: a PCI device's msi_irqs/. */
static unsigned int read_msi_irqs(const char *dir, unsigned int *irq,
				  unsigned int max)
{
	struct dirent *e;
	unsigned int n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max)
		if (all_digits(e->d_name))
			irq[n++] = (unsigned int)strtoul(e->d_name, NULL, 10);
	closedir(d);
	return n;
}

/*
 * The port's own interrupts: the NIC's MSI vectors. A virtio NIC's
 * device/ is the virtio device, whose PCI parent has them.
 */
static unsigned int queue_irqs(const char *ifname, unsigned int *irq,
			       unsigned int max)
{
	char path[PATH_MAX], real[PATH_MAX];
	const char *base;
	unsigned int n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device/msi_irqs",
		 ifname);
	n = read_msi_irqs(path, irq, max);
	if (n)
		return n;
	snprintf(path, sizeof(path), "/sys/class/net/%s/device", ifname);
	if (!realpath(path, real))
		return 0;
	base = strrchr(real, '/');
	if (!base || strncmp(base + 1, "virtio", 6))
		return 0;
	snprintf(path, sizeof(path), "%.*s/msi_irqs", (int)(base - real),
		 real);
	return read_msi_irqs(path, irq, max);
}

static int write_str(const char *path, const char *s)
{
	size_t n = strlen(s);
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, s, n) != (ssize_t)n)
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

static int irq_cmp(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

static struct ixdpd_irq_saved *saved_irq(struct ixdpd_cpus *st,
					 unsigned int irq)
{
	unsigned int i;

	for (i = 0; i < st->nsaved; i++)
		if (st->saved[i].irq == irq)
			return &st->saved[i];
	return NULL;
}

/* What irq_steer() did with one IRQ. */
enum steer_outcome { STEER_NONE, STEER_MOVED, STEER_QUEUE, STEER_LOCKED,
		     STEER_STUCK };

/* Remember @irq's affinity @orig, to give it back at exit. */
static void save_irq(struct ixdpd_cpus *st, unsigned int irq,
		     const char *orig)
{
	if (saved_irq(st, irq))
		return;
	st->saved[st->nsaved].irq = irq;
	snprintf(st->saved[st->nsaved].orig, sizeof(st->saved[0].orig), "%s",
		 orig);
	st->nsaved++;
}

/* Every IRQ number in /proc/irq, sorted; NULL if it cannot be listed. */
static unsigned int *list_irqs(unsigned int *nirq)
{
	unsigned int *irqs, max = 4096;
	struct dirent *e;
	DIR *d;

	*nirq = 0;
	d = opendir("/proc/irq");
	irqs = calloc(max, sizeof(*irqs));
	if (!d || !irqs) {
		log_err("irq_steer: cannot list /proc/irq: %s", strerror(errno));
		free(irqs);
		if (d)
			closedir(d);
		return NULL;
	}
	while ((e = readdir(d)) && *nirq < max)
		if (all_digits(e->d_name))
			irqs[(*nirq)++] = (unsigned int)strtoul(e->d_name,
								NULL, 10);
	closedir(d);
	qsort(irqs, *nirq, sizeof(*irqs), irq_cmp);
	return irqs;
}

/* Move @irq off the dataplane CPUs @dp unless it is one of @qirq. */
static enum steer_outcome steer_one(struct ixdpd_cpus *st, unsigned int irq,
				    const char *ifname, const cpu_set_t *dp,
				    const cpu_set_t *online,
				    const unsigned int *qirq, unsigned int nq)
{
	char path[64], cur[128], want[128], got[128], name[64];
	cpu_set_t aff, hit, rest, back;
	unsigned int j;
	int err;

	snprintf(path, sizeof(path), "/proc/irq/%u/smp_affinity_list", irq);
	if (read_line(path, cur, sizeof(cur)) || cpulist_parse(cur, &aff)) {
		log_debug("irq %u: no readable affinity, left alone", irq);
		return STEER_NONE;
	}
	CPU_AND(&hit, &aff, dp);
	if (!CPU_COUNT(&hit))
		return STEER_NONE;
	irq_name(irq, name, sizeof(name));
	for (j = 0; j < nq; j++) {
		if (qirq[j] == irq) {
			log_info("irq %u (%s): a queue interrupt of %s, left on CPUs %s",
				 irq, name, ifname, cur);
			return STEER_QUEUE;
		}
	}
	rest = aff;
	for (j = 0; j < CPU_SETSIZE; j++)
		if (CPU_ISSET(j, dp))
			CPU_CLR(j, &rest);
	CPU_AND(&back, &rest, online);
	if (!CPU_COUNT(&back)) {
		log_info("irq %u (%s): its affinity %s has no online CPU outside the dataplane; left alone",
			 irq, name, cur);
		return STEER_STUCK;
	}
	if (!saved_irq(st, irq) && st->nsaved == IXDPD_MAX_IRQS) {
		log_warn("irq %u (%s): cannot remember more IRQs; left alone",
			 irq, name);
		return STEER_NONE;
	}
	cpulist_format(&rest, want, sizeof(want));
	err = write_str(path, want);
	if (err) {
		log_debug("irq %u (%s): its affinity cannot be written (%s); left alone",
			  irq, name, strerror(-err));
		return STEER_LOCKED;
	}
	save_irq(st, irq, cur);
	if (read_line(path, got, sizeof(got)) || cpulist_parse(got, &aff))
		snprintf(got, sizeof(got), "?");
	CPU_AND(&hit, &aff, dp);
	if (CPU_COUNT(&hit))
		log_warn("irq %u (%s): affinity %s -> %s written, but it reads back %s",
			 irq, name, cur, want, got);
	else
		log_info("irq %u (%s): affinity %s -> %s, off the dataplane CPUs",
			 irq, name, cur, got);
	return STEER_MOVED;
}

/* Every IRQ that may run on a dataplane CPU and is not the port's. */
static void irq_steer(struct ixdpd_cpus *st, const struct ixdpd_config *cfg,
		      const cpu_set_t *dp, const cpu_set_t *online)
{
	unsigned int qirq[MAX_QUEUE_IRQS], nq, *irqs, nirq, i;
	unsigned int count[STEER_STUCK + 1] = { 0 };
	char dps[128];

	cpulist_format(dp, dps, sizeof(dps));
	nq = queue_irqs(cfg->ifname, qirq, MAX_QUEUE_IRQS);
	log_info("irq_steer: moving the IRQs off the dataplane CPUs %s, except the %u MSI vectors of %s",
		 dps, nq, cfg->ifname);
	irqs = list_irqs(&nirq);
	if (!irqs)
		return;
	for (i = 0; i < nirq; i++)
		count[steer_one(st, irqs[i], cfg->ifname, dp, online, qirq,
				nq)]++;
	log_info("irq_steer: %u IRQs moved; on the dataplane CPUs and left alone: %u queue IRQs, %u that cannot be moved, %u with no other CPU",
		 count[STEER_MOVED], count[STEER_QUEUE], count[STEER_LOCKED],
		 count[STEER_STUCK]);
	free(irqs);
}

/* ixdpd itself on the online CPUs that are not dataplane CPUs. */
static void self_affinity(const cpu_set_t *dp, const cpu_set_t *online)
{
	char rs[128], dps[128];
	cpu_set_t rest;
	int j;

	rest = *online;
	for (j = 0; j < CPU_SETSIZE; j++)
		if (CPU_ISSET(j, dp))
			CPU_CLR(j, &rest);
	cpulist_format(dp, dps, sizeof(dps));
	if (!CPU_COUNT(&rest)) {
		log_warn("affinity: every online CPU is a dataplane CPU (%s); ixdpd's own affinity is left alone",
			 dps);
		return;
	}
	cpulist_format(&rest, rs, sizeof(rs));
	if (sched_setaffinity(0, sizeof(rest), &rest)) {
		log_warn("affinity: cannot move ixdpd to CPUs %s: %s", rs,
			 strerror(errno));
		return;
	}
	log_info("affinity: ixdpd runs on CPUs %s, off the dataplane CPUs %s",
		 rs, dps);
}

/*
 * Keep the dataplane CPUs for the dataplane: ixdpd moves itself off them,
 * and with irq_steer on, every other IRQ. Call after ixdpd_cpus_check().
 */
void ixdpd_cpus_apply(struct ixdpd_cpus *st, const struct ixdpd_config *cfg)
{
	char text[256], err[320];
	cpu_set_t dp, online;
	bool missing;

	dataplane_cpus(cfg, &dp);
	if (read_cpulist(CPU_SYSFS "/online", &online, &missing, text,
			 sizeof(text), err, sizeof(err)) || missing ||
	    !CPU_COUNT(&online)) {
		log_warn("affinity: cannot read the online CPUs (%s); ixdpd and the IRQs are left where they are",
			 missing ? CPU_SYSFS "/online is missing" : err);
		return;
	}
	self_affinity(&dp, &online);
	if (!cfg->irq_steer) {
		log_debug("irq_steer off: the IRQs are left where they are");
		return;
	}
	if (!cfg->ncores) {
		log_info("irq_steer: no dataplane CPU, nothing to move");
		return;
	}
	irq_steer(st, cfg, &dp, &online);
}

/* Put back the affinity of every IRQ irq_steer moved. */
void ixdpd_irq_restore(struct ixdpd_cpus *st, const char *why)
{
	char path[64];
	unsigned int i;
	int err;

	for (i = 0; i < st->nsaved; i++) {
		snprintf(path, sizeof(path), "/proc/irq/%u/smp_affinity_list",
			 st->saved[i].irq);
		err = write_str(path, st->saved[i].orig);
		if (err)
			log_warn("irq %u: cannot restore its affinity %s (%s): %s",
				 st->saved[i].irq, st->saved[i].orig, why,
				 strerror(-err));
		else
			log_info("irq %u: affinity restored to %s (%s)",
				 st->saved[i].irq, st->saved[i].orig, why);
	}
	st->nsaved = 0;
}
