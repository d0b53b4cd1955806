#!/usr/bin/env bash
# managed-settings-fatal.sh: which broken settings files stop the REAL client at start-up. For each
# case below and each release, a throwaway home with one user http server, the case's broken file
# (managed ones in /etc/claude-code of a private mount namespace: root; the machine's /etc is never
# written), then `claude mcp list` (or CMD) with a timeout; prints the first lines and the exit
# status. Never run by CI or `cargo test`.
#
#   HARNESS=/tmp/harness [CMD="-p hi"] tests/real-client/managed-settings-fatal.sh [VERSION...]
set -u
HARNESS="${HARNESS:-/tmp/harness}"
CMD="${CMD:-mcp list}"
export ANTHROPIC_BASE_URL=http://127.0.0.1:9 ANTHROPIC_API_KEY=sk-ant-harness-dummy-key-not-used
unset CLAUDE_CONFIG_DIR
CASES="none base-broken dropin-broken dropin-array dropin-invalid dropin-empty user-broken local-broken"

one_case() { # inside the namespace: CASE VERSION
  local c=$1 v=$2 etc home
  etc=$(mktemp -d /tmp/managed-fatal-etc.XXXXXX); home=$(mktemp -d /tmp/managed-fatal-home.XXXXXX)
  cp -a /etc/. "$etc/" 2>/dev/null; rm -rf "$etc/claude-code"; mkdir -p "$etc/claude-code/managed-settings.d"
  mkdir -p "$home/.claude" "$home/work"
  echo '{"mcpServers":{"srv":{"type":"http","url":"http://127.0.0.1:18999/mcp"}},"hasCompletedOnboarding":true}' >"$home/.claude.json"
  local m="$etc/claude-code"
  case $c in
    base-broken) printf '{"deniedMcpServers":[{"serverName":"x"},]}' >"$m/managed-settings.json" ;;
    dropin-broken) printf '{"deniedMcpServers":[{"serverName":"x"},]}' >"$m/managed-settings.d/20-broken.json" ;;
    dropin-array) printf '[]' >"$m/managed-settings.d/20-array.json" ;;
    dropin-invalid) printf '{"enabledPlugins":{"a@m":"yes"}}' >"$m/managed-settings.d/20-invalid.json" ;;
    dropin-empty) : >"$m/managed-settings.d/20-empty.json" ;;
    user-broken) printf '{"env":{},}' >"$home/.claude/settings.json" ;;
    local-broken) mkdir -p "$home/work/.claude"; printf '{"env":{},}' >"$home/work/.claude/settings.local.json" ;;
  esac
  mount --bind "$etc" /etc || { echo "cannot bind-mount /etc" >&2; exit 1; }
  # shellcheck disable=SC2086
  (cd "$home/work" && HOME="$home" timeout 60 "$HARNESS/.client/$v/node_modules/.bin/claude" $CMD \
    </dev/null >"$home/out.txt" 2>&1; echo "exit=$?" >>"$home/out.txt")
  umount /etc
  echo "### $c ($v)"; sed 's/^/    /' "$home/out.txt" | head -6
  rm -rf "$etc" "$home"
}

if [ "${1:-}" = --in-namespace ]; then shift; one_case "$@"; exit $?; fi
[ $# -gt 0 ] || set -- 2.1.100 2.1.332
for c in $CASES; do
  for v in "$@"; do unshare -m --propagation private bash "$0" --in-namespace "$c" "$v"; done
done
