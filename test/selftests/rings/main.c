// SPDX-License-Identifier: GPL-2.0
/*
 * rings: the command and event rings of /dev/ixdp,
 * driven with the raw ABI of include/uapi/linux/ixdp.h, without libixdp.
 * One program of several files, one topic each:
 *
 *   rings validate PORT CLOSED  every documented refusal   validate.c
 *   rings fuzz N PORT           N random commands          fuzz.c
 *   rings echo PORT MSGS        connect out, echo, close   echo.c
 *   rings echo-folded PORT MSGS the same, acks in RECVs,   echo.c
 *                               RECV_DONE in SENDs
 *   rings sendorder PORT        sends after a short one    sendorder.c
 *   rings handoff PORT          knocks given to another    handoff.c
 *                               context of the process
 *   rings serve PORT N          echo server (killed -9)    echo.c
 *   rings poll PORT             poll() sleeps; WAKE        poll.c
 *   rings thread PORT N         a thread exits holding     lifetime.c
 *                               N connections
 *   rings coredel CPU RXQ       a context loses its core   lifetime.c
 *   rings idle LABEL SECONDS    counters back to rest      counters.c
 *   rings wait NAME MIN SECONDS a counter's sum >= MIN     counters.c
 *   rings features              our IXDP_ABI_VERSION       counters.c
 *
 * serve, wait and features help the stage scripts and answer with their
 * exit status. The others are tests: as a step of a stage (lib.sh's
 * tap_join sets $TAP_START) they print TAP result lines numbered from
 * there, no plan, and their totals; run by hand, a whole TAP stream with
 * the plan last (ksft.h).
 */
#include "app.h"

#include <signal.h>

static int usage(void)
{
	fprintf(stderr, "usage: rings validate PORT CLOSED | fuzz N PORT | echo[-folded] PORT MSGS |\n"
		"  sendorder PORT | handoff PORT | poll PORT | serve PORT N | thread PORT N | coredel CPU RXQ |\n"
		"  idle LABEL SECONDS | wait NAME MIN SECONDS | features\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(m, "serve") && argc == 4)
		return mode_serve(atoi(argv[2]), strtoul(argv[3], NULL, 0));
	if (!strcmp(m, "wait") && argc == 5)
		return mode_wait(argv[2], atoll(argv[3]), atoi(argv[4]));
	if (!strcmp(m, "features") && argc == 2)
		return mode_features();

	ksft_print_header();
	if (!strcmp(m, "validate") && argc == 4)
		return mode_validate(atoi(argv[2]), atoi(argv[3]));
	if (!strcmp(m, "fuzz") && argc == 4)
		return mode_fuzz(strtoul(argv[2], NULL, 0), atoi(argv[3]));
	if (!strcmp(m, "sendorder") && argc == 3)
		return mode_sendorder(atoi(argv[2]));
	if (!strcmp(m, "handoff") && argc == 3)
		return mode_handoff(atoi(argv[2]));
	if (!strcmp(m, "echo") && argc == 4)
		return mode_echo(atoi(argv[2]), strtoul(argv[3], NULL, 0),
				 false);
	if (!strcmp(m, "echo-folded") && argc == 4)
		return mode_echo(atoi(argv[2]), strtoul(argv[3], NULL, 0),
				 true);
	if (!strcmp(m, "poll") && argc == 3)
		return mode_poll(atoi(argv[2]));
	if (!strcmp(m, "thread") && argc == 4)
		return mode_thread(atoi(argv[2]), strtoul(argv[3], NULL, 0));
	if (!strcmp(m, "coredel") && argc == 4)
		return mode_coredel(atoi(argv[2]), atoi(argv[3]));
	if (!strcmp(m, "idle") && argc == 4)
		return mode_idle(argv[2], atoi(argv[3]));
	return usage();
}
