#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The probe header compiles cleanly as C and C++ with every compiler we ship
# for, and produces notes that Debian 12's libbpf (1.1) decodes: register,
# constant or off(%reg) operands, never base+index*scale.
. "$(dirname "$0")/../lib.sh"

src=$LIB_TMP/idp.c
cat >"$src" <<'C'
#define AGENTIDP_PROBES_DEFINE_SEMAPHORES
#include <agentidp/probes.h>
struct req { const char *route; const char *tenants[8]; int pool[4]; };
/* Indexed operands are what tempts a compiler into base+index*scale. */
int handle(struct req *r, int i)
{
	AGENTIDP_RATE_LIMIT_HIT(r->route, r->tenants[i]);
	AGENTIDP_BILLING_LIMIT_REJECTION(r->tenants[i + 1], "agents");
	AGENTIDP_TENANT_API_CALL(r->tenants[i]);
	AGENTIDP_DB_POOL_STATE(r->pool[i], r->pool[i + 1], 20);
	return AGENTIDP_TENANT_API_CALL_ENABLED();
}
int main(int argc, char **argv) { (void)argv; static struct req r; return handle(&r, argc); }
C
cp "$src" "$LIB_TMP/idp.cpp"

for cc in "gcc -x c" "g++ -x c++" "clang -x c" "clang++ -x c++"; do
	set -- $cc
	command -v "$1" >/dev/null || { not_ok "$1 is installed"; continue; }
	in=$src
	[ "$2 $3" = "-x c++" ] && in=$LIB_TMP/idp.cpp
	for opt in -O0 -O2; do
		bin=$LIB_TMP/idp.$1$opt
		if out=$($cc -std=$([ "$3" = c ] && echo c11 || echo c++17) $opt -Wall -Wextra \
			-Werror -I"$TOP/include" "$in" -o "$bin" 2>&1); then
			ok "$1 $opt compiles the header cleanly with -Wall -Wextra -Werror"
		else
			not_ok "$1 $opt compiles the header cleanly: $(head -3 <<<"$out" | tr '\n' ' ')"
			continue
		fi
		notes=$(readelf -n "$bin")
		check_eq "$1 $opt: all four probes are in the notes" 4 \
			"$(grep -c 'Provider: agentidp' <<<"$notes")"
		check_eq "$1 $opt: no base+index*scale operand" 0 \
			"$(grep 'Arguments:' <<<"$notes" | grep -c '(%[a-z0-9]*,%')"
		check_eq "$1 $opt: every probe has a semaphore" 0 \
			"$(grep -c 'Semaphore: 0x0000000000000000' <<<"$notes")"
		check_eq "$1 $opt: the observer lists the four probes" 4 \
			"$("$OBSERVER" --list-probes "$bin" | grep -c '^agentidp:')"
	done
done

# Compiled out: no notes, no semaphores, arguments not evaluated.
cat >"$LIB_TMP/off.c" <<'C'
#include <agentidp/probes.h>
static int evaluated;
__attribute__((unused)) static const char *side(void) { evaluated = 1; return "x"; }
int main(void) { AGENTIDP_TENANT_API_CALL(side()); return evaluated; }
C
if gcc -std=c11 -Wall -Wextra -Werror -DAGENTIDP_PROBES_DISABLE -I"$TOP/include" \
	"$LIB_TMP/off.c" -o "$LIB_TMP/off" 2>"$LIB_TMP/off.err"; then
	"$LIB_TMP/off"
	check_eq "AGENTIDP_PROBES_DISABLE never evaluates the arguments" 0 $?
	check_eq "AGENTIDP_PROBES_DISABLE leaves no probe notes" 0 \
		"$(readelf -n "$LIB_TMP/off" | grep -c 'Provider: agentidp')"
else
	not_ok "AGENTIDP_PROBES_DISABLE compiles: $(head -2 "$LIB_TMP/off.err")"
fi

# Not attached: the semaphore is 0 and the arguments are not evaluated.
cat >"$LIB_TMP/lazy.c" <<'C'
#define AGENTIDP_PROBES_DEFINE_SEMAPHORES
#include <agentidp/probes.h>
static int evaluated;
__attribute__((unused)) static const char *side(void) { evaluated = 1; return "x"; }
int main(void) { AGENTIDP_TENANT_API_CALL(side()); return evaluated; }
C
gcc -std=c11 -Wall -Wextra -Werror -I"$TOP/include" "$LIB_TMP/lazy.c" -o "$LIB_TMP/lazy"
"$LIB_TMP/lazy"
check_eq "with nothing attached the arguments are not evaluated" 0 $?
