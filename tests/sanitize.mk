# SPDX-License-Identifier: BSD-2-Clause
#
# The observer and the unit tests built again with AddressSanitizer (leaks
# included) and UBSan, into $(BUILD)/asan, for
# tests/integration/test_sanitized.sh. Included by the top Makefile; same
# sources, flags and libraries as the regular build, plus the sanitizers.
# Any UBSan report is fatal, so a test cannot pass over one.
#
#   make asan       $(BUILD)/asan/agentidp-observer and $(BUILD)/asan/tests/test_*

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SAN_OBSERVER_OBJS := $(patsubst user/%.c,$(BUILD)/asan/user/%.o,$(wildcard user/*.c))
SAN_CORE_OBJS := $(addprefix $(BUILD)/asan/user/,strbuf.o labels.o exposition.o rules.o)
SAN_UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/%,$(wildcard tests/unit/test_*.c))

.PHONY: asan
asan: $(BUILD)/asan/agentidp-observer $(SAN_UNIT_TESTS)

$(SAN_OBSERVER_OBJS): $(BUILD)/observer.skel.h

$(BUILD)/asan/user/%.o: user/%.c | $(BUILD)/asan/user
	$(call msg,CC-ASAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(BUILD)/asan/agentidp-observer: $(SAN_OBSERVER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $^ $(LDLIBS_OBSERVER) -o $@

$(BUILD)/asan/tests/test_%: tests/unit/test_%.c $(SAN_CORE_OBJS) | $(BUILD)/asan/tests
	$(call msg,CC-ASAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -Itests $^ -o $@

$(BUILD)/asan/user $(BUILD)/asan/tests:
	$(Q)mkdir -p $@

-include $(wildcard $(BUILD)/asan/user/*.d $(BUILD)/asan/tests/*.d)
