# SPDX-License-Identifier: BSD-2-Clause
#
# The reference IdP, included by the top-level Makefile. It builds
# $(BUILD)/agentidp-idp from examples/idp/*.c; the probe header comes from
# include/. Objects and their dependency files go under
# $(BUILD)/examples/idp/.

BUILD ?= build
Q ?= @

IDP_DIR := examples/idp
IDP_OBJDIR := $(BUILD)/examples/idp
IDP_BIN := $(BUILD)/agentidp-idp
IDP_PKGS := libmicrohttpd hiredis libpq libcrypto jansson

IDP_SRCS := $(wildcard $(IDP_DIR)/*.c)
IDP_OBJS := $(patsubst $(IDP_DIR)/%.c,$(IDP_OBJDIR)/%.o,$(IDP_SRCS))

# pkg-config runs only when a recipe needs the flags, never at parse time.
IDP_CFLAGS = -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Iinclude \
	$$(pkg-config --cflags $(IDP_PKGS))
IDP_LDLIBS = $$(pkg-config --libs $(IDP_PKGS)) -lpthread

.PHONY: idp
idp: $(IDP_BIN)

$(IDP_BIN): $(IDP_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(IDP_LDLIBS)

$(IDP_OBJDIR)/%.o: $(IDP_DIR)/%.c | $(IDP_OBJDIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(IDP_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(IDP_OBJDIR):
	$(Q)mkdir -p $@

-include $(IDP_OBJS:.o=.d)
