# SPDX-License-Identifier: BSD-2-Clause
#
# agentidp-observer build. Everything goes to $(BUILD); `make V=1` shows the
# full commands. Each top-level target first installs the Debian packages it
# needs that are missing (scripts/install-deps.sh; no network if none are).
#
#   make            the observer, build/agentidp-observer
#   make check      every test; ends with "N passed, N failed"
#   make demo       the reference IdP, Redis, PostgreSQL, Prometheus, observer
#   make bench      benchmarks against bpftrace, printed as ratios
#   make install    installs the observer and the probe header (PREFIX)

BUILD ?= build
PREFIX ?= /usr/local
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter
CFLAGS ?= -O2 -g
override CFLAGS += -std=c11 -D_GNU_SOURCE $(WARNINGS) -MMD -MP \
	-Iinclude -I$(BUILD)
LDLIBS_OBSERVER := -lbpf -lelf -lz -lmicrohttpd -lpthread

# BPF objects see the kernel's types through the committed vmlinux.h, and the
# system headers (for <bpf/usdt.bpf.h>) through the multiarch include dir.
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) \
	-Ivmlinux/$(ARCH) -Iinclude -idirafter /usr/include/$(shell uname -m)-linux-gnu \
	-Wall -Werror -MMD -MP

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
override CFLAGS += -DOBSERVER_VERSION='"$(VERSION)"'

OBSERVER_SRCS := $(wildcard user/*.c)
OBSERVER_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(OBSERVER_SRCS))
# The pure parts (no BPF, no HTTP) that unit tests and fuzzers link.
CORE_OBJS := $(addprefix $(BUILD)/user/,strbuf.o labels.o exposition.o rules.o)

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
TEST_HELPERS := $(BUILD)/tests/probe-fire $(BUILD)/expo-lint

.DELETE_ON_ERROR:
.PHONY: all observer deps-build deps-check deps-demo deps-bench check check-build \
	demo bench install clean idp

# Packages first, then a make of its own for the build: the compilers and
# libraries must exist before any rule that uses them starts, even under -j.
all: deps-build
	$(Q)$(MAKE) --no-print-directory observer

observer: $(BUILD)/agentidp-observer

deps-build deps-check deps-demo deps-bench: deps-%:
	$(Q)scripts/install-deps.sh $*

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# Every userspace object may include the skeleton; build it first.
$(OBSERVER_OBJS): $(BUILD)/observer.skel.h

$(BUILD)/user/%.o: user/%.c | $(BUILD)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/agentidp-observer: $(OBSERVER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS_OBSERVER) -o $@

# Unit tests: one binary per tests/unit/test_*.c, linked with the pure core.
$(BUILD)/tests/test_%: tests/unit/test_%.c $(CORE_OBJS) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests $^ -o $@

# The test IdP: fires the probes on command, from many threads if asked.
$(BUILD)/tests/probe-fire: tests/helpers/probe_fire.c include/agentidp/probes.h | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -lpthread -o $@

$(BUILD)/expo-lint: tests/tools/expo_lint.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

$(BUILD) $(BUILD)/bpf $(BUILD)/user $(BUILD)/tests:
	$(Q)mkdir -p $@

-include examples/idp/idp.mk
-include bench/bench.mk
-include tests/fuzz/fuzz.mk tests/sanitize.mk

check-build: observer idp $(UNIT_TESTS) $(TEST_HELPERS) fuzz asan

check: deps-check
	$(Q)$(MAKE) --no-print-directory check-build
	$(Q)BUILD=$(abspath $(BUILD)) tests/run.sh

demo: deps-demo
	$(Q)$(MAKE) --no-print-directory observer idp
	$(Q)BUILD=$(abspath $(BUILD)) ONESHOT=$(ONESHOT) examples/demo/run-demo.sh

bench: deps-bench
	$(Q)$(MAKE) --no-print-directory observer idp bench-tools $(TEST_HELPERS)
	$(Q)BUILD=$(abspath $(BUILD)) bench/run.sh

install: all
	install -D -m 0755 $(BUILD)/agentidp-observer $(DESTDIR)$(PREFIX)/sbin/agentidp-observer
	install -D -m 0644 include/agentidp/probes.h $(DESTDIR)$(PREFIX)/include/agentidp/probes.h

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/bpf/*.d $(BUILD)/user/*.d $(BUILD)/tests/*.d)
