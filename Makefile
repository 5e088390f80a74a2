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
#   make bench-kvstore   the key-value table alone: one lock vs its shards
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
#   make bench-preload   Debian's memcached and redis-server under
#                        libixdp-preload.so against the same binaries on
#                        Linux in one guest (table; not a test)
#   make qemu-test-e1000e the same on an e1000e NIC
#   make qemu-test-debug the same on the KASAN/lockdep kernel in ../shared
#   make fuzz            the long fuzz stage (1e6 commands, netlink, bad
#                        frames) on that kernel with fault injection
#                        (FUZZ_SEED=N replays a seed)
#   make module-all      build ixdp.ko against every supported kernel
#   make style sparse    checkpatch.pl and sparse on the kernel code
#   make deps            install what a fresh Debian 12 machine lacks
#   make install         libixdp, ixctl, ixdpd (install-user) and ixdp.ko
#                        (install-module); PREFIX=, DESTDIR=, uninstall
#   make install-dkms    the module's source in /usr/src for DKMS
#   make install-check   make install, DKMS and the Debian packages
#                        (debian/) tested, as in make check (root)

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

.PHONY: all module user lib tools selftests check unit coverage interop bench-core \
	qemu-test qemu-test-6.12 \
	qemu-test-rss qemu-test-e1000e \
	qemu-test-debug qemu-scale fuzz demo bench-dp bench-app bench-scale bench-kv bench-preload profile-app bench-policy bench-kvstore module-all style \
	sparse deps install install-user install-module install-dkms \
	uninstall uninstall-user uninstall-module uninstall-dkms install-check clean

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

LIB_SRCS := lib/ixdp.c lib/ixev.c lib/ixev_registry.c
LIB_HDRS := include/ixdp/ixdp.h include/ixdp/ixev.h lib/ixdp_int.h \
	    lib/ixev_move.h \
	    include/uapi/linux/ixdp.h
LIB_OBJS := $(patsubst lib/%.c,$(BUILD)/lib/obj/%.o,$(LIB_SRCS))

$(BUILD)/lib/obj/%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -c -o $@ $<

$(BUILD)/lib/libixdp.a: $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

# libixdp's version is its newest symbol version node in libixdp.map
# (IXDP_2.2: 2.2.0), and the soname is its major: libixdp.so.2, a link
# to the file libixdp.so.2.2.0 as ldconfig would make it.
LIB_VERSION := $(lastword $(shell sed -n 's/^IXDP_\([0-9.]*\) {.*/\1/p' lib/libixdp.map)).0
LIB_MAJOR := $(firstword $(subst ., ,$(LIB_VERSION)))
LIB_SONAME := libixdp.so.$(LIB_MAJOR)
LIB_REAL := libixdp.so.$(LIB_VERSION)

$(BUILD)/lib/$(LIB_REAL): $(LIB_OBJS) lib/libixdp.map
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(LIB_SONAME) \
		-Wl,--version-script=lib/libixdp.map -o $@ $(LIB_OBJS)

$(BUILD)/lib/$(LIB_SONAME): $(BUILD)/lib/$(LIB_REAL)
	ln -sf $(LIB_REAL) $@

$(BUILD)/lib/libixdp.so: $(BUILD)/lib/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $@

# pc_file PREFIX,LIBDIR,INCLUDEDIR,UAPIDIR: libixdp.pc for those paths.
pc_file = sed -e 's|@prefix@|$(1)|' -e 's|@libdir@|$(2)|' \
	      -e 's|@includedir@|$(3)|' -e 's|@uapidir@|$(4)|' \
	      -e 's|@version@|$(LIB_VERSION)|' lib/libixdp.pc.in

# The build tree's, for programs built against this checkout.
# The preload library (Documentation/preload.rst): libixdp's objects and
# its own, exporting only the calls it replaces (lib/preload/preload.map).
PRELOAD_SRCS := $(wildcard lib/preload/*.c)
PRELOAD_HDRS := $(wildcard lib/preload/*.h) $(LIB_HDRS)

user: $(BUILD)/lib/libixdp-preload.so

$(BUILD)/lib/libixdp-preload.so: $(PRELOAD_SRCS) $(PRELOAD_HDRS) $(LIB_OBJS) \
		lib/preload/preload.map
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -shared -pthread $(LDFLAGS) \
		-Wl,--version-script=lib/preload/preload.map -o $@ \
		$(PRELOAD_SRCS) $(LIB_OBJS) -ldl

$(BUILD)/lib/pkgconfig/libixdp.pc: lib/libixdp.pc.in lib/libixdp.map
	@mkdir -p $(dir $@)
	$(call pc_file,$(CURDIR),$(BUILD)/lib,$(CURDIR)/include,$(CURDIR)/include/uapi) > $@

# Static, so that the guest's initramfs needs no library path for it.
$(BUILD)/bin/echo_ixdp: examples/echo.c $(BUILD)/lib/libixdp.a $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -pthread -o $@ $< $(BUILD)/lib/libixdp.a

KV_SRCS := examples/kv/kv_server.c examples/kv/kv_proto.c examples/kv/kv_meta.c \
	   examples/kv/kv_store.c examples/kv/kv_stats.c

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
	$(CC) $(CPPFLAGS) $(CFLAGS) $(NL_CFLAGS) $(LDFLAGS) -o $@ $(IXCTL_SRCS) $(NL_LIBS)

# The control daemon (Documentation/ixdpd.rst).
IXDPD_SRCS := daemon/ixdpd.c daemon/ixdpd_config.c daemon/ixdpd_kernel.c daemon/ixdpd_cpus.c \
	      daemon/ixdpd_grants.c daemon/genl.c daemon/grant.c \
	      daemon/policy.c
user: $(BUILD)/bin/ixdpd

$(BUILD)/bin/ixdpd: $(IXDPD_SRCS) $(DAEMON_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(NL_CFLAGS) $(LDFLAGS) -o $@ $(IXDPD_SRCS) $(NL_LIBS)

selftests: $(SELFTEST_BINS)

# Built as Debian builds its programs: reads and polls of fixed-size
# buffers go through glibc's __read_chk() and friends, which the preload
# library must catch too.
$(BUILD)/selftests/preload_calls: CFLAGS += -D_FORTIFY_SOURCE=2

$(BUILD)/selftests/%: test/selftests/%.c $(SELFTEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(NL_CFLAGS) -o $@ $< $(NL_LIBS)

define selftest_dir
$(BUILD)/selftests/$(notdir $(1)): $(wildcard $(1)/*.c $(1)/*.h) $(SELFTEST_HDRS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) $$(NL_CFLAGS) -o $$@ $$(filter %.c,$$^) $$(NL_LIBS)
endef
$(foreach d,$(SELFTEST_DIRS),$(eval $(call selftest_dir,$(d))))

# Installing (README.md, "Install"): GNU directory variables, DESTDIR to
# stage the tree for a package. install-user builds only libixdp, ixctl
# and ixdpd (lib, tools), so packaging needs no kernel and no test deps.
PREFIX		?= /usr/local
EXEC_PREFIX	?= $(PREFIX)
BINDIR		?= $(EXEC_PREFIX)/bin
SBINDIR		?= $(EXEC_PREFIX)/sbin
LIBDIR		?= $(EXEC_PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
DATADIR		?= $(PREFIX)/share
MANDIR		?= $(DATADIR)/man
DOCDIR		?= $(DATADIR)/doc/ixdp
PKGCONFIGDIR	?= $(LIBDIR)/pkgconfig
# ixdpd reads /etc/ixdp/ixdpd.conf whatever the prefix (ixdpd -c for
# another), and udev reads no rules under /usr/local.
SYSCONFDIR	?= /etc
UNITDIR		?= $(PREFIX)/lib/systemd/system
UDEVRULESDIR	?= $(SYSCONFDIR)/udev/rules.d
# include/uapi/linux/ixdp.h is not the system's <linux/...>: it lives
# under libixdp's own directory, and libixdp.pc's Cflags name it.
UAPIDIR		?= $(INCLUDEDIR)/ixdp/uapi
INSTALL		?= install
# install-module: kbuild's modules_install under DESTDIR, then depmod
# for the live system only (a staged tree is the package's business).
# Unsigned: the kernel's signing key is not here (sign it yourself
# for Secure Boot, or use DKMS, which signs with its own key).
INSTALL_MOD_DIR	?= updates
MODDIR		= $(DESTDIR)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)

# The file lists, relative to their directories, for install and uninstall.
LIB_FILES	:= $(LIB_REAL) $(LIB_SONAME) libixdp.so libixdp.a libixdp-preload.so
HDR_FILES	:= ixdp.h ixev.h
SBIN_FILES	:= ixctl ixdpd
MAN8_FILES	:= ixctl.8 ixdpd.8

lib: $(BUILD)/lib/libixdp.a $(BUILD)/lib/libixdp.so $(BUILD)/lib/pkgconfig/libixdp.pc \
	$(BUILD)/lib/libixdp-preload.so

tools: $(BUILD)/bin/ixctl $(BUILD)/bin/ixdpd

install: install-user install-module

install-user: lib tools
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR)/ixdp $(DESTDIR)$(UAPIDIR)/linux \
		$(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(UDEVRULESDIR) \
		$(DESTDIR)$(DOCDIR)/examples
	$(INSTALL) -m 0644 $(BUILD)/lib/$(LIB_REAL) $(BUILD)/lib/libixdp.a \
		$(DESTDIR)$(LIBDIR)/
	ln -sf $(LIB_REAL) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libixdp.so
	$(INSTALL) -m 0644 $(BUILD)/lib/libixdp-preload.so $(DESTDIR)$(LIBDIR)/
	$(INSTALL) -m 0644 $(addprefix include/ixdp/,$(HDR_FILES)) \
		$(DESTDIR)$(INCLUDEDIR)/ixdp/
	$(INSTALL) -m 0644 include/uapi/linux/ixdp.h $(DESTDIR)$(UAPIDIR)/linux/
	$(call pc_file,$(PREFIX),$(LIBDIR),$(INCLUDEDIR),$(UAPIDIR)) \
		> $(DESTDIR)$(PKGCONFIGDIR)/libixdp.pc
	$(INSTALL) -m 0755 $(addprefix $(BUILD)/bin/,$(SBIN_FILES)) $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 0644 $(addprefix Documentation/,$(MAN8_FILES)) $(DESTDIR)$(MANDIR)/man8/
	sed -e 's|/usr/sbin/ixdpd|$(SBINDIR)/ixdpd -c $(SYSCONFDIR)/ixdp/ixdpd.conf|' \
	    -e 's|/etc/ixdp/|$(SYSCONFDIR)/ixdp/|' daemon/ixdpd.service \
		> $(DESTDIR)$(UNITDIR)/ixdpd.service
	$(INSTALL) -m 0644 scripts/60-ixdp.rules $(DESTDIR)$(UDEVRULESDIR)/
	$(INSTALL) -m 0644 daemon/ixdpd.conf.example $(DESTDIR)$(DOCDIR)/examples/
	$(if $(DESTDIR),,ldconfig)

install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) DEPMOD=true \
		CONFIG_MODULE_SIG_ALL= modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))

# The module's source for DKMS (dkms.conf): what kbuild reads and
# nothing built, in /usr/src/ixdp-RELEASE; then "dkms install ixdp/RELEASE".
RELEASE		:= $(shell cat VERSION)
DKMS_SRCDIR	?= /usr/src/ixdp-$(RELEASE)
DKMS_FILES	= Kbuild VERSION dkms.conf include/uapi/linux/ixdp.h \
		  $(sort $(wildcard kmod/*.[ch] kmod/*/*.[ch]))

install-dkms:
	set -e; for f in $(DKMS_FILES); do \
		$(INSTALL) -D -m 0644 $$f $(DESTDIR)$(DKMS_SRCDIR)/$$f; \
	done

uninstall-dkms:
	rm -rf $(DESTDIR)$(DKMS_SRCDIR)

uninstall: uninstall-user uninstall-module

# Exactly what install-user put, then its directories of ixdp's own.
uninstall-user:
	rm -f $(addprefix $(DESTDIR)$(LIBDIR)/,$(LIB_FILES)) \
	      $(DESTDIR)$(PKGCONFIGDIR)/libixdp.pc \
	      $(addprefix $(DESTDIR)$(INCLUDEDIR)/ixdp/,$(HDR_FILES)) \
	      $(DESTDIR)$(UAPIDIR)/linux/ixdp.h \
	      $(addprefix $(DESTDIR)$(SBINDIR)/,$(SBIN_FILES)) \
	      $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(MAN8_FILES)) \
	      $(DESTDIR)$(UNITDIR)/ixdpd.service \
	      $(DESTDIR)$(UDEVRULESDIR)/60-ixdp.rules \
	      $(DESTDIR)$(DOCDIR)/examples/ixdpd.conf.example
	rmdir $(DESTDIR)$(UAPIDIR)/linux $(DESTDIR)$(UAPIDIR) \
	       $(DESTDIR)$(INCLUDEDIR)/ixdp $(DESTDIR)$(DOCDIR)/examples \
	       $(DESTDIR)$(DOCDIR) 2>/dev/null || true
	$(if $(DESTDIR),,ldconfig)

uninstall-module:
	rm -f $(MODDIR)/ixdp.ko $(MODDIR)/ixdp.ko.xz $(MODDIR)/ixdp.ko.zst \
	      $(MODDIR)/ixdp.ko.gz
	$(if $(DESTDIR),,depmod -a $(KVER))

check:
	scripts/check.sh

# Just the installing tests of make check (test/install/, root).
install-check:
	test/install/versions.sh
	test/install/make-install.sh
	test/install/dkms.sh
	test/install/deb.sh $(BUILD)/pkg
	test/install/chroot.sh $(BUILD)/pkg

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

# Each benchmark below keeps its log as build/NAME.log and its report
# (test/bench/report.sh) as build/NAME.txt, the tables and runs as
# build/NAME*.csv and plots as build/NAME.png and, where loadgen measured
# the round trips (IXDP_BENCH_CDF=1: loadgen --cdf), build/NAME-cdf.png.
bench-dp: module user
	@mkdir -p $(BUILD)
	IXDP_BENCH_CDF=1 test/qemu/run.sh --kernel-version $(KVER) --mode bench \
		--timeout 600 --append "ixdp_reps=$(or $(REPS),3)" \
		| tee $(BUILD)/bench-dp.log
	@test/bench/report.sh bench-dp $(BUILD)/bench-dp.log $(BUILD)/bench-dp

# Two boots: echo_ixdp inline and on the rings (when built; a mode it
# lacks is left out), the in-kernel echo, epoll and io_uring; then the
# raw NIC ceiling, an XDP_TX reflector (test/bench/bench-xdp.sh, needs
# clang: scripts/deps.sh bench). One table of both (ratios-app.awk).
# BENCH_CFG=KEY,VAL,... is given to "ixctl config set" first; TARGETS=A,B
# runs only those of the first boot's targets; NOXDP=1 skips the second;
# BENCH_CFGB=KEY,VAL,... also runs each ixdp target with that configuration
# (an A/B in one boot: the "+b" rows).
bench-app: module user
	@mkdir -p $(BUILD)
	@echo "HOSTLOAD bench-app $$(cat /proc/loadavg)" > $(BUILD)/bench-app.log
	IXDP_BENCH_CDF=1 test/qemu/run.sh --kernel-version $(KVER) --mode bench-app \
		--append "ixdp_reps=$(or $(REPS),3) ixdp_cfg=$(BENCH_CFG) ixdp_cfgb=$(BENCH_CFGB) ixdp_targets=$(TARGETS)" \
		--timeout 900 | tee -a $(BUILD)/bench-app.log
	@echo "HOSTLOAD bench-xdp $$(cat /proc/loadavg)" >> $(BUILD)/bench-app.log
	$(if $(NOXDP),,IXDP_BENCH_CDF=1 test/bench/bench-xdp.sh $(KVER) $(BUILD) 300 | tee -a $(BUILD)/bench-app.log)
	@test/bench/report.sh bench-app $(BUILD)/bench-app.log $(BUILD)/bench-app

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
# A make function splits its arguments at commas: the list goes in whole.
SCALE_COUNTS := 32,1000,10000,100000

bench-scale: module user
	@mkdir -p $(BUILD)
	test/qemu/run.sh --kernel-version $(KVER) --mode bench-scale --mem 3072 \
		--host-timeout 1500 --timeout 3600 \
		--append "ixdp_reps=$(or $(REPS),3) ixdp_counts=$(or $(COUNTS),$(SCALE_COUNTS))" \
		| tee $(BUILD)/bench-scale.log
	@test/bench/report.sh bench-scale $(BUILD)/bench-scale.log $(BUILD)/bench-scale

# Issue 16: Debian's memcached 1.6 (-t 2) and redis-server 7, unmodified,
# under libixdp-preload.so (ixdp on both cores) and on the guest's Linux,
# in turn and interleaved: kvload's USR workload closed loop (saturation,
# p99) and redis-benchmark GET/SET; medians of REPS (3) with min-max,
# test/bench/ratios-preload.awk. Linux alone without the library. Not a
# test: nothing is asserted.
bench-preload: module user
	@mkdir -p $(BUILD)
	@echo "HOSTLOAD bench-preload $$(cat /proc/loadavg)" > $(BUILD)/bench-preload.log
	test/qemu/run.sh --kernel-version $(KVER) --mode bench-preload --mem 3072 \
		--timeout 1800 \
		--append "ixdp_reps=$(or $(REPS),3) $(if $(SECS),ixdp_secs=$(SECS))" \
		| tee -a $(BUILD)/bench-preload.log
	@awk -f test/bench/ratios-preload.awk $(BUILD)/bench-preload.log

# The key-value server's table alone: one lock against its shards, 1 and
# 2 threads (test/bench/kvstore.c; not a test).
bench-kvstore:
	@mkdir -p $(BUILD)/host
	$(CC) $(CFLAGS) -pthread -o $(BUILD)/host/kvstore test/bench/kvstore.c \
		examples/kv/kv_store.c
	$(BUILD)/host/kvstore 1 $(or $(SECS),3)
	$(BUILD)/host/kvstore 2 $(or $(SECS),3)

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
	IXDP_BENCH_CDF=1 test/qemu/run.sh --kernel-version $(KVER) --mode bench-policy \
		--timeout 900 | tee $(BUILD)/bench-policy.log
	@test/bench/report.sh bench-policy $(BUILD)/bench-policy.log $(BUILD)/bench-policy

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
