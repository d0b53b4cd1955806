#!/usr/bin/env bash
# judge-repairs.sh: let the REAL client judge `fix --yes` on the states capture.sh
# wrote, for each installed release, and print the client's views before and after.
#
#   HARNESS=/tmp/harness DOCTOR=target/release/mcp-auth-doctor tests/real-client/judge-repairs.sh [2.1.100 2.1.332]
#
# Exit status 1 if any expectation fails. Never run by CI (needs the client; see capture.sh).
set -u
HARNESS="${HARNESS:-/tmp/harness}"
DOCTOR="$(cd "$(dirname "${DOCTOR:-target/release/mcp-auth-doctor}")" && pwd)/$(basename "${DOCTOR:-target/release/mcp-auth-doctor}")"
[ $# -gt 0 ] || set -- 2.1.100 2.1.332
fail=0
judge() { # VERSION SNAPSHOT EXPECT [judge options] -- COMMAND...
  local v="$1" snap="$2"; shift 2
  echo "################ claude $v: $(basename "$snap"): $*"
  local out rc
  out="$(CLAUDE_VERSION="$v" "$HARNESS/judge.sh" --no-repl "$@" 2>&1)"
  rc=$?
  printf '%s\n' "$out" | grep -vE '^\s*$'
  # judge.sh's exit status mixes the doctor's (1 = fix changed something) with its own (1 = an
  # expectation failed): judge by what it printed
  if printf '%s\n' "$out" | grep -q 'EXPECTATION FAILED'; then
    echo "RESULT: FAILED"; fail=1
  else
    echo "RESULT: ok (doctor exit $rc)"
  fi
}
for v in "$@"; do
  root="$HARNESS/snapshots"; [ "$v" = 2.1.100 ] || root="$HARNESS/snapshots/claude-$v"
  s="$root/repairs"
  # A url edited on the same origin: fix moves the token to the live key; no sign-in.
  judge "$v" "$s/url-edited-same-origin" --expect moved=connected --expect-session moved=connected \
    "$s/url-edited-same-origin" -- "$DOCTOR" fix --yes
  # A forgotten client: fix drops the dead registration; one sign-in then connects.
  judge "$v" "$s/forgotten-client" --auth forgotten --expect forgotten=connected \
    --expect-session forgotten=connected "$s/forgotten-client" -- "$DOCTOR" fix --yes
  # `login NAME` signs in during the command, with the mock up: judge-login.sh.
done
exit "$fail"
