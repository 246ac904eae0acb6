# SPDX-License-Identifier: BSD-2-Clause
#
# libFuzzer targets over label repair and rendering, included by the top
# Makefile. They compile the pure core from source with clang (libFuzzer
# needs clang's instrumentation; the gcc objects in $(BUILD)/user have none),
# with ASan and UBSan so that memory errors and undefined behaviour count as
# findings too. Needs libclang-rt-14-dev on Debian 12 (the "check" group of
# scripts/install-deps.sh).
#
#   make fuzz       builds $(BUILD)/fuzz/fuzz_labels and fuzz_exposition
#   tests/unit/test_fuzz.sh runs a bounded pass of each (part of make check)

FUZZ_CC ?= clang
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-std=c11 -D_GNU_SOURCE -Iinclude -Iuser $(WARNINGS)
FUZZ_CORE_SRCS := user/strbuf.c user/labels.c user/exposition.c user/rules.c
FUZZ_TARGETS := $(BUILD)/fuzz/fuzz_labels $(BUILD)/fuzz/fuzz_exposition
# One clang call compiles and links each target, so headers are listed here
# rather than tracked with -MMD (which wants one output per source).
FUZZ_HDRS := tests/fuzz/fuzz_util.h $(wildcard user/*.h include/observer/*.h)

.PHONY: fuzz
fuzz: $(FUZZ_TARGETS)

$(FUZZ_TARGETS): $(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_CORE_SRCS) $(FUZZ_HDRS) | $(BUILD)/fuzz
	$(call msg,FUZZ-CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(filter %.c,$^) -o $@

$(BUILD)/fuzz:
	$(Q)mkdir -p $@
