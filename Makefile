# SPDX-License-Identifier: GPL-2.0
#
# ixdp top-level build.
#
#   make                 ixdp.ko (against KDIR) and the userspace programs
#   make check           dependencies, build, unit tests, QEMU selftests;
#                        ends with "N passed, N failed"
#   make demo            boot the guest with ixdp.ko and show what it does
#   make bench-dp        ixdp's in-kernel echo against Linux epoll in the
#                        guest, same load generator, ratios (not a test)
#   make bench-app       ixdp's echo application (inline and on the rings),
#                        its in-kernel echo, Linux epoll and io_uring in one
#                        guest, an XDP_TX reflector in a second: ratio table
#   make profile-app     one bench-app target under one load, perf in
#                        the guest: flat profile (PROF=target,conns,depth)
#   make bench-policy    ixdpd's core policy against two always-active
#                        cores under a stepped load: rates, p99, CPU time
#   make unit            cmocka unit tests only (ASan + UBSan)
#   make coverage        line coverage of the core by the unit tests
#   make interop         the core against Linux's TCP over a tap (root)
#   make bench-core      the core's cost per segment (ns, instructions)
#   make qemu-test       in-guest selftests only (KERNEL=, KDIR=, NIC=, RSS=)
#   make qemu-test-6.12  the same on Debian 12's 6.12 kernel
#   make qemu-test-rss   the same with QEMU's RSS on (ixdp programs the table)
#   make qemu-scale      100,000 connections to echo_ixdp (SCALE=N), memory
#   make bench-scale     echo at 32 to 100,000 connections: ixdp and epoll
#   make bench-kv        kv_ixdp against Debian's memcached in one guest:
#                        USR and ETC, saturation and p99 against offered
#                        load (table, CSV, PNG; not a test)
#   make qemu-test-e1000e the same on an e1000e NIC
#   make qemu-test-debug the same on the KASAN/lockdep kernel in ../shared
#   make fuzz            the long fuzz stage (1e6 commands, netlink, bad
#                        frames) on that kernel with fault injection
#                        (FUZZ_SEED=N replays a seed)
#   make module-all      build ixdp.ko against every supported kernel
#   make style sparse    checkpatch.pl and sparse on the kernel code
#   make deps            install what a fresh Debian 12 machine lacks

KVER	?= $(shell scripts/kernels.sh default-version)
KDIR	?= /lib/modules/$(KVER)/build
BUILD	?= $(CURDIR)/build

CC	?= gcc
CFLAGS	?= -O2 -g
CFLAGS	+= -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
	   -I$(CURDIR)/include/uapi -I$(CURDIR)/include
NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
NL_LIBS   := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null)

# In-guest selftest programs (Documentation/testing.rst): each
# test/selftests/NAME.c is the program NAME, and so is each directory
# test/selftests/NAME/ of .c files (one binary of several files); all of
# them land in /selftests in the guest.
SELFTEST_SRCS := $(wildcard test/selftests/*.c)
SELFTEST_DIRS := $(sort $(patsubst %/,%,$(dir $(wildcard test/selftests/*/*.c))))
SELFTEST_BINS := $(patsubst test/selftests/%.c,$(BUILD)/selftests/%,$(SELFTEST_SRCS)) \
		 $(patsubst test/selftests/%,$(BUILD)/selftests/%,$(SELFTEST_DIRS))
SELFTEST_HDRS := $(wildcard test/selftests/*.h) include/uapi/linux/ixdp.h

.PHONY: all module user selftests check unit coverage interop bench-core \
	qemu-test qemu-test-6.12 \
	qemu-test-rss qemu-test-e1000e \
	qemu-test-debug qemu-scale fuzz demo bench-dp bench-app bench-scale bench-kv profile-app bench-policy module-all style \
	sparse deps \
	clean

all: module user

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

IXCTL_SRCS := daemon/ixctl.c daemon/ixctl_module.c daemon/ixctl_dp.c \
	      daemon/ixctl_obj.c daemon/ixctl_monitor.c \
	      daemon/ixctl_grant.c daemon/grant.c \
	      daemon/genl.c daemon/print.c
DAEMON_HDRS := $(wildcard daemon/*.h) include/uapi/linux/ixdp.h

user: selftests $(BUILD)/bin/ixctl $(BUILD)/bin/echo_epoll $(BUILD)/host/loadgen \
	$(BUILD)/bin/echo_uring $(BUILD)/host/echocheck $(BUILD)/host/connscale \
	$(BUILD)/host/kvload

# libixdp and the programs on it; one set of PIC objects for .a and .so.
user: $(BUILD)/lib/libixdp.a $(BUILD)/lib/libixdp.so \
	$(BUILD)/lib/pkgconfig/libixdp.pc $(BUILD)/bin/echo_ixdp \
	$(BUILD)/bin/kv_ixdp

LIB_SRCS := lib/ixdp.c lib/ixev.c
LIB_HDRS := include/ixdp/ixdp.h include/ixdp/ixev.h lib/ixdp_int.h \
	    include/uapi/linux/ixdp.h
LIB_OBJS := $(patsubst lib/%.c,$(BUILD)/lib/obj/%.o,$(LIB_SRCS))

$(BUILD)/lib/obj/%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -c -o $@ $<

$(BUILD)/lib/libixdp.a: $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/lib/libixdp.so.2: $(LIB_OBJS) lib/libixdp.map
	$(CC) $(CFLAGS) -shared -Wl,-soname,libixdp.so.2 \
		-Wl,--version-script=lib/libixdp.map -o $@ $(LIB_OBJS)

$(BUILD)/lib/libixdp.so: $(BUILD)/lib/libixdp.so.2
	ln -sf libixdp.so.2 $@

$(BUILD)/lib/pkgconfig/libixdp.pc: lib/libixdp.pc.in
	@mkdir -p $(dir $@)
	sed -e 's|@prefix@|$(CURDIR)|' -e 's|@libdir@|$(BUILD)/lib|' \
	    -e 's|@includedir@|$(CURDIR)/include|' \
	    -e 's|@uapidir@|$(CURDIR)/include/uapi|' -e 's|@version@|1.0|' \
	    $< > $@

# Static, so that the guest's initramfs needs no library path for it.
$(BUILD)/bin/echo_ixdp: examples/echo.c $(BUILD)/lib/libixdp.a $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -pthread -o $@ $< $(BUILD)/lib/libixdp.a

KV_SRCS := examples/kv/kv_server.c examples/kv/kv_proto.c examples/kv/kv_store.c

# memcached's text protocol on ixev (examples/kv/), static as echo_ixdp.
$(BUILD)/bin/kv_ixdp: $(KV_SRCS) $(wildcard examples/kv/*.h) \
		$(BUILD)/lib/libixdp.a $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -pthread -o $@ $(KV_SRCS) $(BUILD)/lib/libixdp.a

$(BUILD)/bin/echo_epoll: examples/echo_epoll.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -pthread -o $@ $<

$(BUILD)/bin/echo_uring: examples/echo_uring.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -pthread -o $@ $< -luring

# Runs on the host side of the tap, not in the guest.
$(BUILD)/host/loadgen: test/bench/loadgen.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $<

$(BUILD)/host/echocheck: test/bench/echocheck.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $<

$(BUILD)/host/connscale: test/bench/connscale.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $<

# memcached text-protocol load (make bench-kv); --selftest in make check.
$(BUILD)/host/kvload: test/bench/kvload.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -pthread -o $@ $< -lm

$(BUILD)/bin/ixctl: $(IXCTL_SRCS) $(DAEMON_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(NL_CFLAGS) -o $@ $(IXCTL_SRCS) $(NL_LIBS)

# The control daemon (Documentation/ixdpd.rst).
IXDPD_SRCS := daemon/ixdpd.c daemon/ixdpd_config.c daemon/ixdpd_kernel.c daemon/ixdpd_cpus.c \
	      daemon/ixdpd_grants.c daemon/genl.c daemon/grant.c \
	      daemon/policy.c
user: $(BUILD)/bin/ixdpd

$(BUILD)/bin/ixdpd: $(IXDPD_SRCS) $(DAEMON_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(NL_CFLAGS) -o $@ $(IXDPD_SRCS) $(NL_LIBS)

selftests: $(SELFTEST_BINS)

$(BUILD)/selftests/%: test/selftests/%.c $(SELFTEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(NL_CFLAGS) -o $@ $< $(NL_LIBS)

define selftest_dir
$(BUILD)/selftests/$(notdir $(1)): $(wildcard $(1)/*.c $(1)/*.h) $(SELFTEST_HDRS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) $$(NL_CFLAGS) -o $$@ $$(filter %.c,$$^) $$(NL_LIBS)
endef
$(foreach d,$(SELFTEST_DIRS),$(eval $(call selftest_dir,$(d))))

check:
	scripts/check.sh

unit:
	$(MAKE) -C test/unit check

coverage:
	$(MAKE) -C test/unit coverage

interop:
	$(MAKE) -C test/interop check

bench-core:
	$(MAKE) -C test/interop bench

# ONLY=STAGE[,STAGE...]: just those stages of test/selftests/run.sh.
QEMU_ONLY := $(if $(ONLY),--only $(ONLY))

qemu-test: module user
	test/qemu/run.sh --kernel-version $(KVER) --mode test --timeout 900 $(QEMU_ONLY)

# Issue 14's figure: SCALE concurrent connections (default 100,000) to
# echo_ixdp from the host, memory per connection, back to idle after
# (the app-scale stage, which CI runs with 10,000). Not a CI test.
SCALE ?= 100000
qemu-scale: module user
	test/qemu/run.sh --kernel-version $(KVER) --mode test --mem 3072 \
		--only module-load,app-scale,module-unload,kernel-log \
		--append "ixdp_scale=$(SCALE)" --host-timeout 1500 \
		--timeout 2400 | tee $(BUILD)/qemu-scale.log

qemu-test-rss: module user
	test/qemu/run.sh --kernel-version $(KVER) --mode test --rss on $(QEMU_ONLY)

qemu-test-e1000e: module user
	test/qemu/run.sh --kernel-version $(KVER) --mode test --nic e1000e $(QEMU_ONLY)

qemu-test-6.12:
	scripts/kernels.sh run-suite 6.12

qemu-test-debug:
	scripts/kernels.sh run-suite debug

fuzz:
	scripts/kernels.sh run-fuzz

demo:
	scripts/demo.sh

bench-dp: module user
	@mkdir -p $(BUILD)
	test/qemu/run.sh --kernel-version $(KVER) --mode bench --timeout 600 \
		| tee $(BUILD)/bench-dp.log
	@awk -f test/bench/ratios.awk $(BUILD)/bench-dp.log

# Two boots: echo_ixdp inline and on the rings (when built; a mode it
# lacks is left out), the in-kernel echo, epoll and io_uring; then the
# raw NIC ceiling, an XDP_TX reflector (test/bench/bench-xdp.sh, needs
# clang: scripts/deps.sh bench). One table of both (ratios-app.awk).
bench-app: module user
	@mkdir -p $(BUILD)
	@echo "HOSTLOAD bench-app $$(cat /proc/loadavg)" > $(BUILD)/bench-app.log
	test/qemu/run.sh --kernel-version $(KVER) --mode bench-app \
		--timeout 900 | tee -a $(BUILD)/bench-app.log
	@echo "HOSTLOAD bench-xdp $$(cat /proc/loadavg)" >> $(BUILD)/bench-app.log
	test/bench/bench-xdp.sh $(KVER) $(BUILD) 300 | tee -a $(BUILD)/bench-app.log
	@awk -f test/bench/ratios-app.awk $(BUILD)/bench-app.log

# One target of bench-app under one load, sampled by the host's perf in
# the guest (not a test): PROF=TARGET,CONNS,DEPTH (default
# ixdp-inline,32,1; targets as in bench-app), PROF_ARGS=-s,1 adds
# arguments to echo_ixdp's, PROF_CFG=poll_us,0 to "ixctl config set".
PROF ?= ixdp-inline,32,1
PROF_ARGS ?=
PROF_CFG ?=
profile-app: module user
	@mkdir -p $(BUILD)/prof-extra
	@cp "$$(command -v perf)" $(BUILD)/prof-extra/perf || \
		{ echo "profile-app: needs perf (linux-perf)"; exit 1; }
	test/qemu/run.sh --kernel-version $(KVER) --mode profile-app \
		--extra $(BUILD)/prof-extra \
		--append "ixdp_prof=$(PROF) ixdp_sargs=$(PROF_ARGS) ixdp_cfg=$(PROF_CFG)" \
		--timeout 600 | tee $(BUILD)/profile-app.log

# Echo against the number of connections (32 to 100,000, the same load):
# echo_ixdp and Linux epoll on one guest, medians and ratios (not a test).
bench-scale: module user
	@mkdir -p $(BUILD)
	test/qemu/run.sh --kernel-version $(KVER) --mode bench-scale --mem 3072 \
		--host-timeout 1500 --timeout 3600 \
		--append "ixdp_reps=$(or $(REPS),3) ixdp_counts=$(or $(COUNTS),32,1000,10000,100000)" \
		| tee $(BUILD)/bench-scale.log
	@awk -f test/bench/ratios-scale.awk $(BUILD)/bench-scale.log

# kv_ixdp (inline, both cores) against Debian's memcached 1.6 on the
# guest's Linux, loaded in turn by test/bench/kvload.c: closed-loop
# saturation of USR and ETC (uniform and Zipf keys), then p99 against
# open-loop Poisson rates, fractions of memcached's saturation. Medians
# of REPS (3); table, build/bench-kv*.csv and build/bench-kv.png (needs
# gnuplot and memcached: scripts/deps.sh bench). Not a test.
bench-kv: module user
	@mkdir -p $(BUILD)
	@echo "HOSTLOAD bench-kv $$(cat /proc/loadavg)" > $(BUILD)/bench-kv.log
	test/qemu/run.sh --kernel-version $(KVER) --mode bench-kv --mem 3072 \
		--timeout 2400 \
		--append "ixdp_reps=$(or $(REPS),3) $(if $(SECS),ixdp_secs=$(SECS)) $(if $(FRACS),ixdp_fracs=$(FRACS))" \
		| tee -a $(BUILD)/bench-kv.log
	@awk -v csv=$(BUILD)/bench-kv -f test/bench/ratios-kv.awk $(BUILD)/bench-kv.log
	@if command -v gnuplot >/dev/null; then \
		gnuplot -e "csv='$(BUILD)/bench-kv-sweep.csv'; out='$(BUILD)/bench-kv.png'; wls='$$(cat $(BUILD)/bench-kv-sweep.wls)'" \
			test/bench/plot-kv.gp && echo "bench-kv: $(BUILD)/bench-kv.png"; \
	else echo "bench-kv: no gnuplot (scripts/deps.sh bench): no plot"; fi

# ixdpd's dynamic core policy against two always-active cores under a
# stepped load: throughput, p50/p99 and dataplane CPU time (not a test).
bench-policy: module user
	@mkdir -p $(BUILD)
	test/qemu/run.sh --kernel-version $(KVER) --mode bench-policy \
		--timeout 900 | tee $(BUILD)/bench-policy.log
	@awk -f test/bench/ratios-policy.awk $(BUILD)/bench-policy.log

module-all:
	scripts/kernels.sh build-all

style:
	scripts/style.sh

sparse:
	@mkdir -p $(BUILD)
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 modules > $(BUILD)/sparse.log 2>&1 || \
		{ cat $(BUILD)/sparse.log; exit 1; }
	@if grep -E 'warning:|error:' $(BUILD)/sparse.log; then \
		echo "sparse: problems found"; exit 1; fi
	@echo "sparse: clean ($$(grep -c ' CHECK ' $(BUILD)/sparse.log) files)"

deps:
	scripts/deps.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C test/unit clean 2>/dev/null || true
	$(MAKE) -C test/interop clean 2>/dev/null || true
	rm -rf $(BUILD)
