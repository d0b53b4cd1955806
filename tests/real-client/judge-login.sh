#!/usr/bin/env bash
# judge-login.sh: let the REAL client judge `mcp-auth-doctor login NAME` on the states capture.sh wrote.
#
#   HARNESS=/tmp/harness DOCTOR=target/release/mcp-auth-doctor tests/real-client/judge-login.sh [VERSION...]
#
# judge.sh cannot do this: it starts the snapshot's mock server only for --auth, after the command,
# and `login` signs in during the command. Here, per release and state:
#  1. the snapshot is copied with every time shifted to now (the harness's shift.py), so markers and
#     tokens are as fresh as at capture; BEFORE = verify.sh on that copy;
#  2. its home is copied to a scratch HOME (map_home) and the snapshot's mock server is started
#     (mock/{state.json,args,port});
#  3. `login NAME --yes` runs in a terminal (script(1); LOGIN_TTY=0: without one) with the release's `claude` first on PATH and BROWSER=fake_browser.sh.
#     2.1.186+ signs in inside the command (`claude mcp login`). Older releases (2.1.100) have no
#     `claude mcp login`: `login` prints the /mcp steps and waits for Enter; this script does the
#     sign-in with the harness's `claude_ctl.py auth NAME` once the prompt is printed, then sends
#     Enter through a FIFO;
#  4. AFTER = verify.sh --no-repl on the scratch HOME with the same (still running) mock, expecting
#     NAME connected in `claude mcp list` and in a `claude -p` session.
# Prints login's output, its exit status, both views and the state diff; ends with one RESULT line
# per case. Exit status 1 if any case is not connected after login. Never run by CI (needs the
# client; see capture.sh).
set -u
HARNESS="${HARNESS:-/tmp/harness}"
. "$HARNESS/lib.sh"
DOCTOR="${DOCTOR:-target/release/mcp-auth-doctor}"
DOCTOR="$(cd "$(dirname "$DOCTOR")" && pwd)/$(basename "$DOCTOR")"
[ -x "$DOCTOR" ] || { echo "no $DOCTOR: cargo build --release first" >&2; exit 2; }
[ $# -gt 0 ] || set -- 2.1.100 2.1.332
# STATE:NAME pairs (a snapshot under repairs/ and the server to log in to); STATES="a:b c:d" to pick
read -r -a STATES <<<"${STATES:-url-edited-same-origin:moved forgotten-client:forgotten needs-auth:fresh}"
LOGIN_TIMEOUT="${LOGIN_TIMEOUT:-120}"

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/claude-judge-login.XXXXXX")"
RUN="" MOCK_PID=""
cleanup() { mock_stop; [ -n "$RUN" ] && rm -rf "$RUN"; [ "${KEEP:-0}" = 1 ] || rm -rf "$SCRATCH"; }
trap cleanup EXIT
RESULTS=()
fail=0

# the three state files, pretty-printed, with the scratch path written back as /home/harness
pp() { python3 - "$1" "$2" <<'EOF'
import json, sys
try:
    s = open(sys.argv[1]).read().replace('"' + sys.argv[2], '"/home/harness')
    print(json.dumps(json.loads(s), indent=1, sort_keys=True))
except (OSError, ValueError) as e:
    print(f"(absent: {type(e).__name__})")
EOF
}

# run_login V NAME H LOG: login on H; on a release without `claude mcp login`, sign in while it waits
run_login() {
  local v="$1" name="$2" h="$3" log="$4"
  local bin="$HARNESS/.client/$v/node_modules/.bin"
  local fifo="$SCRATCH/enter.fifo"
  rm -f "$fifo"; mkfifo "$fifo"
  # login's stdin: the FIFO, held open by this shell (fd 7) so login only sees EOF if we close it
  local cmd=(env PATH="$bin:$PATH" BROWSER="$HARNESS/fake_browser.sh" FAKE_BROWSER_LOG="$SCRATCH/browser.log"
    timeout "$LOGIN_TIMEOUT" "$DOCTOR" --home "$h" login "$name" --yes --color never)
  # a terminal, as a user has one (2.1.332's `claude mcp login` refuses to run without one);
  # LOGIN_TTY=0 runs login with plain pipes, as a script or CI job would
  [ "${LOGIN_TTY:-1}" = 1 ] && cmd=(script -q -e -f -c "$(printf '%q ' "${cmd[@]}")" /dev/null)
  (cd "$h/work" && exec "${cmd[@]}" <"$fifo" >"$log.out" 2>"$log.err") &
  local pid=$!
  exec 7>"$fifo"
  local i waited=0
  for i in $(seq 1 $((LOGIN_TIMEOUT * 5))); do
    kill -0 "$pid" 2>/dev/null || break
    if [ "$waited" = 0 ] && grep -q 'Press Enter here' "$log.out" 2>/dev/null; then
      waited=1
      echo "  (login waits for Enter: signing in with claude_ctl.py auth $name)"
      (HOME="$h"; export HOME; CLAUDE_BIN="$bin/claude" ctl auth "$name" --timeout 30) \
        >"$log.auth" 2>"$log.auth.err"
      grep -E '^\[claude_ctl\] (status before|no user action)' "$log.auth.err" | sed 's/^/  /'
      echo "  (claude_ctl.py auth exit $?: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("result"), (d.get("status") or {}).get("status"))' "$log.auth" 2>/dev/null || head -c 200 "$log.auth"))"
      printf '\n' >&7
    fi
    sleep 0.2
  done
  exec 7>&-
  wait "$pid"
  LOGIN_RC=$?
  rm -f "$fifo"
}

for v in "$@"; do
  export CLAUDE_VERSION="$v" CLAUDE_BIN="$HARNESS/.client/$v/node_modules/.bin/claude"
  need_client
  root="$HARNESS/snapshots"; [ "$v" = 2.1.100 ] || root="$HARNESS/snapshots/claude-$v"
  for st in "${STATES[@]}"; do
    state="${st%%:*}" name="${st##*:}"
    echo "################ claude $v: $state: login $name"
    [ -d "$root/repairs/$state" ] || { echo "no snapshot $root/repairs/$state: run capture.sh" >&2; fail=1; continue; }
    snap="$SCRATCH/snap-$v-$state"
    python3 "$HARNESS/shift.py" "$root/repairs/$state" "$snap" >/dev/null || { fail=1; continue; }
    echo "### BEFORE (real client on the snapshot, times shifted to now)"
    before="$("$HARNESS/verify.sh" --no-repl "$snap" 2>/dev/null)"
    printf '%s\n' "$before" | sed 's/^/  /'

    h="$SCRATCH/home-$v-$state"
    rm -rf "$h"; mkdir -p "$h"; cp -a "$snap/home/." "$h/"; mkdir -p "$h/work"
    map_home "$h"
    new_run judge-login
    [ -f "$snap/mock/state.json" ] && cp "$snap/mock/state.json" "$RUN/mock-state.json"
    mapfile -t margs < <(grep -v '^$' "$snap/mock/args" 2>/dev/null)
    mock_start "$(cat "$snap/mock/port")" "${margs[@]}" || { fail=1; continue; }

    log="$SCRATCH/login-$v-$state"
    echo "### LOGIN: mcp-auth-doctor --home H login $name --yes (claude $v first on PATH)"
    run_login "$v" "$name" "$h" "$log"
    tr -d '\r' <"$log.out" | sed 's/^/  | /'
    [ -s "$log.err" ] && sed 's/^/  stderr| /' "$log.err"
    [ -s "$SCRATCH/browser.log" ] && sed 's/^[0-9]* /  browser: /' "$SCRATCH/browser.log" && rm -f "$SCRATCH/browser.log"
    echo "  exit status $LOGIN_RC"

    unmap_home "$h"   # verify.sh maps /home/harness to each of its own copies
    echo "### AFTER (real client on the scratch home, same mock)"
    after="$("$HARNESS/verify.sh" --no-repl --mock-from "$snap" --expect "$name=connected" \
      --expect-session "$name=connected" "$h" 2>/dev/null)"
    vrc=$?
    printf '%s\n' "$after" | sed 's/^/  /'
    mock_stop; rm -rf "$RUN"; RUN=""

    echo "### STATE DIFF (snapshot -> after login)"
    for f in .claude.json .claude/.credentials.json .claude/mcp-needs-auth-cache.json; do
      diff -u --label "before/$f" --label "after/$f" <(pp "$snap/home/$f" "$h") <(pp "$h/$f" "$h") \
        | sed -E 's/("(accessToken|refreshToken|clientSecret|codeVerifier)": )"[^"]+"/\1"<redacted>"/' || true
    done
    view() { printf '%s\n' "$1" | awk -v n="$name" '$1 == n {for (i = 2; i <= NF; i++) if ($i ~ /^(mcp-list|session)=/) printf "%s ", $i}'; }
    res="claude $v | $state | before: $(view "$before")| after: $(view "$after")| login exit $LOGIN_RC"
    if [ "$vrc" = 0 ]; then res="$res | ok"; else res="$res | FAILED"; fail=1; fi
    RESULTS+=("$res")
    echo "RESULT: $res"
  done
done
echo "################ summary"
printf '%s\n' "${RESULTS[@]}"
exit "$fail"
