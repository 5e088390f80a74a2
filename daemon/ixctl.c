// SPDX-License-Identifier: GPL-2.0
/*
 * ixctl: the administrator's command line for ixdp, in the grammar of
 * iproute2:  ixctl [-j] [-p] OBJECT { COMMAND | help }
 * Output is text by default and JSON with -j (pretty with -p).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ixctl.h"
#include "print.h"

static const struct {
	const char *name;
	ixctl_handler_t handler;
	const char *summary;
} objects[] = {
	{ "version", ixctl_version, "module and ABI version, features" },
	{ "config", ixctl_config,
	  "{ show | set [ batch N ] [ poll_us US ] [ run_grace_us US ] }" },
	{ "port", ixctl_port,
	  "{ show | add dev IFNAME addr A.B.C.D/N | del dev IFNAME }" },
	{ "core", ixctl_core,
	  "{ show | add cpu N rxq Q [ txq Q ] | del cpu N |\n"
	  "               set cpu N parked { on | off } }" },
	{ "responder", ixctl_responder,
	  "set mode { echo | discard | none } [ port P ]" },
	{ "fg", ixctl_fg,
	  "{ show | move FG cpu N | move from CPU cpu N | balance }" },
	{ "app", ixctl_app, "show: attached application contexts" },
	{ "queue", ixctl_queue,
	  "show: the NIC's queues, the cores that own them, flow groups" },
	{ "stats", ixctl_stats, "show: the port's and the cores' counter totals" },
	{ "grant", ixctl_grant,
	  "{ show | add | del } ports LO[-HI] { user U | group G }\n"
	  "               [ rights { listen | connect | all } ]" },
	{ "monitor", ixctl_monitor,
	  "[ count N ] [ timeout S ]: print the module's notifications" },
};

bool ixctl_show_stats;

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: ixctl [ -j ] [ -p ] [ -s ] OBJECT { COMMAND | help }\n"
		   "where OBJECT :=\n");
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		fprintf(f, "    %-8s %s\n", objects[i].name, objects[i].summary);
	fprintf(f, "      -j  JSON output   -p  pretty JSON   -s  statistics\n");
}

/* Prefix matching as iproute2 does: "conf" selects "config". */
bool ixctl_matches(const char *arg, const char *word)
{
	size_t len = strlen(arg);

	return len && len <= strlen(word) && !strncmp(arg, word, len);
}

/*
 * A whole argument as a number up to @max (decimal, 0x hex or 0 octal).
 * It must start with a digit: strtoull() would skip blanks and take a
 * sign, and "-1" must not wrap around to a large value.
 */
int ixctl_parse_num(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int ixctl_fail(int err, const struct ixdp_genl_reply *r, const char *what)
{
	fprintf(stderr, "ixctl: %s: %s%s%s\n", what, strerror(-err),
		r && r->extack[0] ? ": " : "", r ? r->extack : "");
	return 1;
}

int ixctl_usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "ixctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	return 2;
}

int main(int argc, char **argv)
{
	bool json = false, pretty = false;
	struct ixdp_genl g;
	size_t i;
	int err;

	for (argc--, argv++; argc > 0 && argv[0][0] == '-'; argc--, argv++) {
		if (!strcmp(argv[0], "-j") || !strcmp(argv[0], "-json")) {
			json = true;
		} else if (!strcmp(argv[0], "-s") || !strcmp(argv[0], "-stats")) {
			ixctl_show_stats = true;
		} else if (!strcmp(argv[0], "-p") || !strcmp(argv[0], "-pretty")) {
			pretty = true;
		} else if (!strcmp(argv[0], "-h") || !strcmp(argv[0], "-help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return ixctl_usage_error("unknown option \"%s\"", argv[0]);
		}
	}
	if (argc < 1 || ixctl_matches(argv[0], "help")) {
		usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? 2 : 0;
	}
	print_set_json(json, pretty);

	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		if (!ixctl_matches(argv[0], objects[i].name))
			continue;
		err = ixdp_genl_open(&g);
		if (err == -ENOENT) {
			fprintf(stderr, "ixctl: the ixdp module is not loaded\n");
			return 1;
		}
		if (err)
			return ixctl_fail(err, NULL, "netlink");
		err = objects[i].handler(&g, argc - 1, argv + 1);
		ixdp_genl_close(&g);
		return err;
	}
	usage(stderr);
	return ixctl_usage_error("unknown object \"%s\"", argv[0]);
}
