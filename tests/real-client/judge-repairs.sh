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
# judge_signin_fix VERSION SNAPSHOT NAME: what a user does when `fix` says a sign-in is still needed:
# `fix --yes`, one sign-in, then `fix --yes` once more (fix's own "Next:" line says so: 2.1.100 leaves
# the needs-auth marker its session wrote before the sign-in, and honours it for 15 minutes). judge.sh
# cannot run a command after its sign-in, so this runs the steps itself, with the snapshot's mock up
# from the sign-in through the AFTER views (the sign-in's new client exists only in that mock).
judge_signin_fix() {
  local v="$1" snap="$2" name="$3"
  echo "################ claude $v: $(basename "$snap"): fix --yes, sign-in to $name, fix --yes"
  local h; h="$(mktemp -d "${TMPDIR:-/tmp}/claude-judge-repairs.XXXXXX")"
  ( # a subshell: lib.sh's settings, RUN, MOCK_PID and HOME stay its own
    export CLAUDE_VERSION="$v" CLAUDE_BIN="$HARNESS/.client/$v/node_modules/.bin/claude"
    . "$HARNESS/lib.sh"
    cp -a "$snap/home/." "$h/"; mkdir -p "$h/work"; map_home "$h"
    new_run judge-repairs
    trap 'mock_stop; rm -rf "$RUN" "$h"' EXIT
    (cd "$h" && HOME="$h" "$DOCTOR" fix --yes --color never) 2>&1 | sed 's/^/  fix 1| /'
    [ -f "$snap/mock/state.json" ] && cp "$snap/mock/state.json" "$RUN/mock-state.json"
    mapfile -t margs < <(grep -v '^$' "$snap/mock/args" 2>/dev/null)
    mock_start "$(cat "$snap/mock/port")" "${margs[@]}" || exit 1
    HOME="$h"; export HOME
    auth "$name" --timeout 20 2>&1 | grep -E '"result"|"error"' | sed 's/^/  sign-in| /'
    unmap_home "$h"
    echo "  after the sign-in:"
    "$HARNESS/verify.sh" --no-repl "$h" 2>/dev/null | sed 's/^/    /'
    map_home "$h"
    (cd "$h" && "$DOCTOR" fix --yes --color never) 2>&1 | sed 's/^/  fix 2| /'
    unmap_home "$h"
    echo "  after fix once more:"
    "$HARNESS/verify.sh" --no-repl --expect "$name=connected" --expect-session "$name=connected" "$h" 2>/dev/null \
      | sed 's/^/    /'
    exit "${PIPESTATUS[0]}"
  )
  if [ $? = 0 ]; then echo "RESULT: ok"; else echo "RESULT: FAILED"; fail=1; fi
}
for v in "$@"; do
  root="$HARNESS/snapshots"; [ "$v" = 2.1.100 ] || root="$HARNESS/snapshots/claude-$v"
  s="$root/repairs"
  # A url edited on the same origin: fix moves the token to the live key; no sign-in.
  judge "$v" "$s/url-edited-same-origin" --expect moved=connected --expect-session moved=connected \
    "$s/url-edited-same-origin" -- "$DOCTOR" fix --yes
  # A forgotten client: fix drops the dead registration; one sign-in then connects. A 2.1.100
  # session still says needs-auth here: the marker it wrote before the sign-in (next case).
  session_expect=(--expect-session forgotten=connected)
  [ "$v" = 2.1.100 ] && session_expect=()
  judge "$v" "$s/forgotten-client" --auth forgotten --expect forgotten=connected \
    "${session_expect[@]}" "$s/forgotten-client" -- "$DOCTOR" fix --yes
  # The same, as fix's "Next:" line says: then `fix --yes` once more (2.1.100 keeps the marker its
  # session wrote before the sign-in, so the judge above shows session=needs-auth there).
  judge_signin_fix "$v" "$s/forgotten-client" forgotten
  # `login NAME` signs in during the command, with the mock up: judge-login.sh.
done
exit "$fail"
