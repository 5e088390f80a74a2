// SPDX-License-Identifier: GPL-2.0
/*
 * runas: run a command as an ordinary user, the way a service manager
 * starts an unprivileged application (User=, Group=,
 * SupplementaryGroups=, LimitMEMLOCK=):
 *
 *   runas -u UID -g GID [-G GID[,GID...]] [-l MEMLOCK_BYTES] -- CMD [ARG...]
 *
 * The limit is set first (as root it may be raised), then the groups, the
 * gid and the uid; changing the uid from 0 drops every capability. The
 * command replaces this process, so its PID is the one the caller saw.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

static unsigned long parse(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "runas: bad %s \"%s\"\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	gid_t groups[16];
	int ngroups = 0, opt;
	long uid = -1, gid = -1;
	struct rlimit rl;
	char *s, *save;

	while ((opt = getopt(argc, argv, "u:g:G:l:")) != -1) {
		switch (opt) {
		case 'u':
			uid = (long)parse(optarg, "uid");
			break;
		case 'g':
			gid = (long)parse(optarg, "gid");
			break;
		case 'G':
			for (s = strtok_r(optarg, ",", &save); s && ngroups < 16;
			     s = strtok_r(NULL, ",", &save))
				groups[ngroups++] = (gid_t)parse(s, "group");
			break;
		case 'l':
			rl.rlim_cur = parse(optarg, "memlock limit");
			rl.rlim_max = rl.rlim_cur;
			if (setrlimit(RLIMIT_MEMLOCK, &rl)) {
				perror("runas: setrlimit(RLIMIT_MEMLOCK)");
				return 1;
			}
			break;
		default:
			goto usage;
		}
	}
	if (uid < 0 || gid < 0 || optind >= argc)
		goto usage;
	if (setgroups(ngroups, groups) || setgid((gid_t)gid) ||
	    setuid((uid_t)uid)) {
		perror("runas: dropping privileges");
		return 1;
	}
	if (geteuid() != (uid_t)uid || !setuid(0)) {
		fprintf(stderr, "runas: privileges were not dropped\n");
		return 1;
	}
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "runas: %s: %s\n", argv[optind], strerror(errno));
	return 127;
usage:
	fprintf(stderr, "usage: runas -u UID -g GID [-G GID,...] [-l BYTES] -- CMD [ARG...]\n");
	return 2;
}
