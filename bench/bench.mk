# SPDX-License-Identifier: BSD-2-Clause
#
# The benchmark drivers, included by the top-level Makefile (after its
# default goal) and by bench/run.sh. Everything goes to $(BUILD)/bench/.
#
#   bench-tools   probe-loop (and probe-loop-disabled, the same source with
#                 every probe compiled out), attach-empty, empty.bpf.o and
#                 minimal.bpf.o
#
# Uses the top Makefile's CC, CFLAGS, CLANG, BPF_CFLAGS and msg. The guard
# lets run.sh pass this file with -f even once the Makefile includes it.

ifndef AGENTIDP_BENCH_MK
AGENTIDP_BENCH_MK := 1

BENCH_OUT := $(BUILD)/bench
BENCH_TOOLS := $(BENCH_OUT)/probe-loop $(BENCH_OUT)/probe-loop-disabled $(BENCH_OUT)/attach-empty \
	$(BENCH_OUT)/empty.bpf.o $(BENCH_OUT)/minimal.bpf.o

.PHONY: bench-tools
bench-tools: $(BENCH_TOOLS)

# The benchmark IdP: built like an IdP, with the probe header from include/.
$(BENCH_OUT)/probe-loop: bench/probe_loop.c | $(BENCH_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

$(BENCH_OUT)/probe-loop-disabled: bench/probe_loop.c | $(BENCH_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -DAGENTIDP_PROBES_DISABLE $< -o $@

$(BENCH_OUT)/attach-empty: bench/attach_empty.c | $(BENCH_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -lbpf -lelf -lz -o $@

$(BENCH_OUT)/%.bpf.o: bench/%.bpf.c | $(BENCH_OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH_OUT):
	$(Q)mkdir -p $@

-include $(wildcard $(BENCH_OUT)/*.d)

endif
