#!/usr/bin/env bash
# approval-precedence.sh: which `enableAllProjectMcpServers` counts when several settings files
# set it, in a trusted and an untrusted folder. For each case and trust, a throwaway home with a
# `.mcp.json` server p1 in ~/proj, the case's settings, then `claude mcp get p1` there (2.1.100's
# `mcp get` approves every .mcp.json server, so only newer releases answer the question). Never
# run by CI or `cargo test`.
#
#   HARNESS=/tmp/harness tests/real-client/approval-precedence.sh [VERSION]
set -u
HARNESS="${HARNESS:-/tmp/harness}"
V="${1:-2.1.332}"
export ANTHROPIC_BASE_URL=http://127.0.0.1:9 ANTHROPIC_API_KEY=sk-ant-harness-dummy-key-not-used
unset CLAUDE_CONFIG_DIR
run() { # CASE TRUSTED(true|false)
  local c=$1 trust=$2 home
  home=$(mktemp -d /tmp/approval-precedence.XXXXXX); mkdir -p "$home/.claude" "$home/proj/.claude"
  printf '{"hasCompletedOnboarding":true,"projects":{"%s/proj":{"hasTrustDialogAccepted":%s}}}\n' "$home" "$trust" >"$home/.claude.json"
  echo '{"mcpServers":{"p1":{"type":"http","url":"http://127.0.0.1:18999/mcp"}}}' >"$home/proj/.mcp.json"
  local u="$home/.claude/settings.json" l="$home/proj/.claude/settings.local.json" p="$home/proj/.claude/settings.json"
  case $c in
    user-true) echo '{"enableAllProjectMcpServers":true}' >"$u" ;;
    user-true-local-false) echo '{"enableAllProjectMcpServers":true}' >"$u"; echo '{"enableAllProjectMcpServers":false}' >"$l" ;;
    user-false-local-true) echo '{"enableAllProjectMcpServers":false}' >"$u"; echo '{"enableAllProjectMcpServers":true}' >"$l" ;;
    user-true-project-false) echo '{"enableAllProjectMcpServers":true}' >"$u"; echo '{"enableAllProjectMcpServers":false}' >"$p" ;;
  esac
  local status
  status=$(cd "$home/proj" && HOME="$home" timeout 60 "$HARNESS/.client/$V/node_modules/.bin/claude" mcp get p1 </dev/null 2>&1 | grep -i "status:")
  echo "| $c | $trust | ${status#*Status: } |"
  rm -rf "$home"
}
echo "| case | trusted | $V \`mcp get p1\` |"; echo "| --- | --- | --- |"
for c in user-true user-true-local-false user-false-local-true user-true-project-false; do
  for t in false true; do run "$c" "$t"; done
done
