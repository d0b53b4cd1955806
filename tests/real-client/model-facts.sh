#!/usr/bin/env bash
# model-facts.sh: ask the REAL Claude Code client which MCP servers it loads, for each fact of
# state-formats.md §12 (issue 9) that `claude mcp list` / `claude mcp get NAME` can show without a
# login. One minimal throwaway home per fact and release; nothing touches the real home.
#
#   HARNESS=/tmp/harness tests/real-client/model-facts.sh [--md FILE] [--only FACT,...] [--session] [VERSION...]
#
# Default releases: 2.1.100 2.1.332 (installed by the harness's setup.sh). Prints a table
# fact x release -> the `claude mcp list` status of each server the fact is about, then (with --md)
# writes every case's exact client output to FILE. --session adds a `claude -p` session's view
# (2.1.100's `mcp list` approves every .mcp.json server and ignores disabledMcpServers; a session
# may not). Facts about managed settings run in a private mount namespace (unshare -m, root)
# where a copy of /etc holds /etc/claude-code/managed-*.json, so the machine's /etc is never
# written. Never run by CI or `cargo test`.
#
# The http servers point at the harness's mock MCP/OAuth server (one instance, MOCK_PORT, default
# 18871), which answers 401 + OAuth metadata: a loaded http server shows "Needs authentication"; a
# server the client does not load is missing from the list or shown with its own status.
set -u
HARNESS="${HARNESS:-/tmp/harness}"
. "$HARNESS/lib.sh"
SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
PORT="${MOCK_PORT:-18871}"
U="http://127.0.0.1:$PORT"

# ---------------------------------------------------------------------------------------------
# Helpers for the fact set-ups (run with HOME = the throwaway home, cwd = $HOME/work = the project)
P() { echo "$HOME/work"; }
jw() { mkdir -p "$(dirname "$1")"; printf '%s\n' "$2" >"$1"; }          # jw FILE JSON
user_http() { # user_http NAME [TYPE] [URL]: a user-scope server in .claude.json
  python3 - "$HOME/.claude.json" "$1" "${2:-http}" "${3:-$U/$1/mcp}" <<'EOF'
import json, sys
p, n, t, u = sys.argv[1:]
try: c = json.load(open(p))
except OSError: c = {}
c.setdefault("mcpServers", {})[n] = {"type": t, "url": u}
json.dump(c, open(p, "w"), indent=2)
EOF
}
project_entry() { # project_entry PY: edit the project's entry in .claude.json, dict `e`
  python3 - "$HOME/.claude.json" "$(P)" "$1" <<'EOF'
import json, sys
p, proj, code = sys.argv[1:]
try: c = json.load(open(p))
except OSError: c = {}
e = c.setdefault("projects", {}).setdefault(proj, {})
exec(code)
json.dump(c, open(p, "w"), indent=2)
EOF
}
mcpjson() { jw "$(P)/.mcp.json" "{\"mcpServers\":{\"p1\":{\"type\":\"http\",\"url\":\"$U/p1/mcp\"},\"p2\":{\"type\":\"http\",\"url\":\"$U/p2/mcp\"}}}"; }
plugin() { # plugin ENABLED [URL]: a directory marketplace "mkt" with plugin "pl" (server psrv), installed
  local m="$HOME/mkt"
  jw "$m/.claude-plugin/marketplace.json" '{"name":"mkt","owner":{"name":"t"},"plugins":[{"name":"pl","source":"./pl","description":"x"}]}'
  jw "$m/pl/.claude-plugin/plugin.json" '{"name":"pl","version":"1.0.0","description":"x"}'
  jw "$m/pl/.mcp.json" "{\"mcpServers\":{\"psrv\":{\"type\":\"http\",\"url\":\"${2:-$U/psrv/mcp}\"}}}"
  cl plugin marketplace add "$m" >/dev/null 2>&1
  cl plugin install pl@mkt >/dev/null 2>&1
  if [ "$1" != true ]; then
    python3 - "$HOME/.claude/settings.json" "$1" <<'EOF'
import json, sys
p, v = sys.argv[1:]
s = json.load(open(p))
s["enabledPlugins"]["pl@mkt"] = json.loads(v)
json.dump(s, open(p, "w"), indent=2)
EOF
  fi
}
managed() { jw "$MANAGED/$1" "$2"; }   # managed FILE JSON: a file in /etc/claude-code (namespace only)

# ---------------------------------------------------------------------------------------------
# The facts: id | the servers it is about (mcp get each) | what is set up. Each has a set-up
# function f_<id>. Keep set-ups minimal: one change from the plain case.
FACTS=(
  "baseline|u1 p1|a user server and an unapproved .mcp.json server, nothing else"
  "streamable-http|sh1|a user server with \"type\":\"streamable-http\" (key: sha of type http?)"
  "missing-type|nt1|a user server with a url and no type"
  "disabledMcpServers|u1 u2|.claude.json projects[P].disabledMcpServers = [u1]"
  "enabledMcpServers|u1 u2|.claude.json projects[P].enabledMcpServers = [u1] (not a built-in server)"
  "mcpjson-enabled-user-settings|p1 p2|~/.claude/settings.json enabledMcpjsonServers = [p1]"
  "mcpjson-enabled-project-settings|p1 p2|P/.claude/settings.json (checked in) enabledMcpjsonServers = [p1]"
  "mcpjson-enabled-local-settings|p1 p2|P/.claude/settings.local.json enabledMcpjsonServers = [p1]"
  "mcpjson-enabled-claude-json|p1 p2|.claude.json projects[P].enabledMcpjsonServers = [p1]"
  "mcpjson-all-user-settings|p1 p2|~/.claude/settings.json enableAllProjectMcpServers = true"
  "mcpjson-all-project-settings|p1 p2|P/.claude/settings.json (checked in) enableAllProjectMcpServers = true"
  "mcpjson-all-local-settings|p1 p2|P/.claude/settings.local.json enableAllProjectMcpServers = true"
  "mcpjson-all-claude-json|p1 p2|.claude.json projects[P].enableAllProjectMcpServers = true"
  "mcpjson-enabled-local-settings-trusted|p1 p2|P/.claude/settings.local.json enabledMcpjsonServers = [p1], projects[P].hasTrustDialogAccepted = true"
  "mcpjson-enabled-claude-json-trusted|p1 p2|.claude.json projects[P]: enabledMcpjsonServers = [p1], hasTrustDialogAccepted = true"
  "mcpjson-all-local-settings-trusted|p1 p2|P/.claude/settings.local.json enableAllProjectMcpServers = true, projects[P].hasTrustDialogAccepted = true"
  "mcpjson-all-project-settings-trusted|p1 p2|P/.claude/settings.json (checked in) enableAllProjectMcpServers = true, projects[P].hasTrustDialogAccepted = true"
  "mcpjson-disabled-local-settings|p1 p2|P/.claude/settings.local.json enableAllProjectMcpServers = true, disabledMcpjsonServers = [p1]"
  "mcpjson-disabled-claude-json|p1 p2|.claude.json projects[P]: enableAllProjectMcpServers = true, disabledMcpjsonServers = [p1]"
  "mcpjson-disabled-project-settings|p1 p2|P/.claude/settings.json (checked in) disabledMcpjsonServers = [p1], local settings enableAllProjectMcpServers = true"
  "mcpjson-disabled-vs-enable-all|p1 p2|~/.claude/settings.json enableAllProjectMcpServers = true and disabledMcpjsonServers = [p1]"
  "mcpjson-disabled-only|p1 p2|.claude.json projects[P].disabledMcpjsonServers = [p1], no approval"
  "mcpjson-disabled-by-project-server|p1 p2|.claude.json projects[P].disabledMcpServers = [p1], .mcp.json approved (enableAllProjectMcpServers in ~/.claude/settings.json)"
  "plugin-enabled|plugin:pl:psrv|plugin pl@mkt installed, enabledPlugins true"
  "plugin-disabled|plugin:pl:psrv|plugin pl@mkt installed, enabledPlugins false"
  "plugin-not-true|plugin:pl:psrv|plugin pl@mkt installed, enabledPlugins \"yes\" (a string, not true)"
  "plugin-duplicate-url|plugin:pl:psrv u1|plugin server with the same url as user server u1"
  "plugin-disabled-mcp-servers|plugin:pl:psrv|plugin enabled, projects[P].disabledMcpServers = [plugin:pl:psrv]"
  "local-shadows-user|dup|user server dup (/user/mcp) and local server dup (/local/mcp) in projects[P]"
  "project-vs-user|dup|user server dup (/user/mcp) and .mcp.json server dup (/proj/mcp), approved by ~/.claude/settings.json enableAllProjectMcpServers"
  "project-vs-user-unapproved|dup|user server dup (/user/mcp) and an unapproved .mcp.json server dup (/proj/mcp)"
  "env-var-unset|ev1|user server url $U/\${MF_UNSET_VAR}/mcp with the variable unset"
  "env-var-default|ev2|user server url $U/\${MF_UNSET_VAR:-dflt}/mcp with the variable unset"
  "managed-denied|u1 u2|managed-settings.json deniedMcpServers = [{serverName: u1}]"
  "managed-allowed|u1 u2|managed-settings.json allowedMcpServers = [{serverName: u1}]"
  "managed-allowed-empty|u1 u2|managed-settings.json allowedMcpServers = []"
  "managed-allowed-url|u1 u2|managed-settings.json allowedMcpServers = [{serverUrl: $U/u1/*}]"
  "managed-and-user-allowlist|u1 u2|managed allowedMcpServers = [{serverName: u1}]; user settings allowedMcpServers = [{serverName: u2}]; no allowManagedMcpServersOnly"
  "user-denied|u1 u2|~/.claude/settings.json deniedMcpServers = [{serverName: u1}] (not managed)"
  "user-allowed|u1 u2|~/.claude/settings.json allowedMcpServers = [{serverName: u1}] (not managed)"
  "managed-only-user-allowlist|u1 u2|managed allowManagedMcpServersOnly = true, allowedMcpServers = [{serverName: u1}]; user settings allowedMcpServers = [{serverName: u2}]"
  "managed-mcp-json|u1 m1|managed-mcp.json with server m1, user server u1"
  "config-dir-tilde|cd1|CLAUDE_CONFIG_DIR='~/.cfg' (literal ~): where does mcp add -s user write?"
  "mcp-login|-|\`claude mcp login --help\`"
)

f_baseline() { user_http u1; mcpjson; }
f_streamable-http() { user_http sh1 streamable-http; }
f_missing-type() {
  python3 - "$HOME/.claude.json" "$U/nt1/mcp" <<'EOF'
import json, sys
json.dump({"mcpServers": {"nt1": {"url": sys.argv[2]}}}, open(sys.argv[1], "w"), indent=2)
EOF
}
f_disabledMcpServers() { user_http u1; user_http u2; project_entry 'e["disabledMcpServers"] = ["u1"]'; }
f_enabledMcpServers() { user_http u1; user_http u2; project_entry 'e["enabledMcpServers"] = ["u1"]'; }
f_mcpjson-enabled-user-settings() { mcpjson; jw "$HOME/.claude/settings.json" '{"enabledMcpjsonServers":["p1"]}'; }
f_mcpjson-enabled-project-settings() { mcpjson; jw "$(P)/.claude/settings.json" '{"enabledMcpjsonServers":["p1"]}'; }
f_mcpjson-enabled-local-settings() { mcpjson; jw "$(P)/.claude/settings.local.json" '{"enabledMcpjsonServers":["p1"]}'; }
f_mcpjson-enabled-claude-json() { mcpjson; project_entry 'e["enabledMcpjsonServers"] = ["p1"]'; }
f_mcpjson-all-user-settings() { mcpjson; jw "$HOME/.claude/settings.json" '{"enableAllProjectMcpServers":true}'; }
f_mcpjson-all-project-settings() { mcpjson; jw "$(P)/.claude/settings.json" '{"enableAllProjectMcpServers":true}'; }
f_mcpjson-all-local-settings() { mcpjson; jw "$(P)/.claude/settings.local.json" '{"enableAllProjectMcpServers":true}'; }
f_mcpjson-all-claude-json() { mcpjson; project_entry 'e["enableAllProjectMcpServers"] = True'; }
trust() { project_entry 'e["hasTrustDialogAccepted"] = True'; }
f_mcpjson-enabled-local-settings-trusted() { f_mcpjson-enabled-local-settings; trust; }
f_mcpjson-enabled-claude-json-trusted() { f_mcpjson-enabled-claude-json; trust; }
f_mcpjson-all-local-settings-trusted() { f_mcpjson-all-local-settings; trust; }
f_mcpjson-all-project-settings-trusted() { f_mcpjson-all-project-settings; trust; }
f_mcpjson-disabled-local-settings() { mcpjson; jw "$(P)/.claude/settings.local.json" '{"enableAllProjectMcpServers":true,"disabledMcpjsonServers":["p1"]}'; }
f_mcpjson-disabled-claude-json() { mcpjson; project_entry 'e["enableAllProjectMcpServers"] = True; e["disabledMcpjsonServers"] = ["p1"]'; }
f_mcpjson-disabled-project-settings() {
  mcpjson
  jw "$(P)/.claude/settings.json" '{"disabledMcpjsonServers":["p1"]}'
  jw "$(P)/.claude/settings.local.json" '{"enableAllProjectMcpServers":true}'
}
f_mcpjson-disabled-vs-enable-all() { mcpjson; jw "$HOME/.claude/settings.json" '{"enableAllProjectMcpServers":true,"disabledMcpjsonServers":["p1"]}'; }
f_mcpjson-disabled-only() { mcpjson; project_entry 'e["disabledMcpjsonServers"] = ["p1"]'; }
f_mcpjson-disabled-by-project-server() { mcpjson; jw "$HOME/.claude/settings.json" '{"enableAllProjectMcpServers":true}'; project_entry 'e["disabledMcpServers"] = ["p1"]'; }
f_plugin-enabled() { plugin true; }
f_plugin-disabled() { plugin false; }
f_plugin-not-true() { plugin '"yes"'; }
f_plugin-duplicate-url() { user_http u1; plugin true "$U/u1/mcp"; }
f_plugin-disabled-mcp-servers() { plugin true; project_entry 'e["disabledMcpServers"] = ["plugin:pl:psrv"]'; }
f_local-shadows-user() { user_http dup http "$U/user/mcp"; project_entry "e['mcpServers'] = {'dup': {'type': 'http', 'url': '$U/local/mcp'}}"; }
f_project-vs-user() {
  user_http dup http "$U/user/mcp"
  jw "$(P)/.mcp.json" "{\"mcpServers\":{\"dup\":{\"type\":\"http\",\"url\":\"$U/proj/mcp\"}}}"
  jw "$HOME/.claude/settings.json" '{"enableAllProjectMcpServers":true}'
}
f_project-vs-user-unapproved() {
  user_http dup http "$U/user/mcp"
  jw "$(P)/.mcp.json" "{\"mcpServers\":{\"dup\":{\"type\":\"http\",\"url\":\"$U/proj/mcp\"}}}"
}
f_env-var-unset() { user_http ev1 http "$U/\${MF_UNSET_VAR}/mcp"; }
f_env-var-default() { user_http ev2 http "$U/\${MF_UNSET_VAR:-dflt}/mcp"; }
f_managed-denied() { user_http u1; user_http u2; managed managed-settings.json '{"deniedMcpServers":[{"serverName":"u1"}]}'; }
f_managed-allowed() { user_http u1; user_http u2; managed managed-settings.json '{"allowedMcpServers":[{"serverName":"u1"}]}'; }
f_managed-allowed-empty() { user_http u1; user_http u2; managed managed-settings.json '{"allowedMcpServers":[]}'; }
f_managed-allowed-url() { user_http u1; user_http u2; managed managed-settings.json "{\"allowedMcpServers\":[{\"serverUrl\":\"$U/u1/*\"}]}"; }
f_managed-and-user-allowlist() {
  user_http u1; user_http u2
  managed managed-settings.json '{"allowedMcpServers":[{"serverName":"u1"}]}'
  jw "$HOME/.claude/settings.json" '{"allowedMcpServers":[{"serverName":"u2"}]}'
}
f_user-denied() { user_http u1; user_http u2; jw "$HOME/.claude/settings.json" '{"deniedMcpServers":[{"serverName":"u1"}]}'; }
f_user-allowed() { user_http u1; user_http u2; jw "$HOME/.claude/settings.json" '{"allowedMcpServers":[{"serverName":"u1"}]}'; }
f_managed-only-user-allowlist() {
  user_http u1; user_http u2
  managed managed-settings.json '{"allowManagedMcpServersOnly":true,"allowedMcpServers":[{"serverName":"u1"}]}'
  jw "$HOME/.claude/settings.json" '{"allowedMcpServers":[{"serverName":"u2"}]}'
}
f_managed-mcp-json() { user_http u1; managed managed-mcp.json "{\"mcpServers\":{\"m1\":{\"type\":\"http\",\"url\":\"$U/m1/mcp\"}}}"; }
f_config-dir-tilde() {
  # the add itself is the fact: run it here, with the literal ~ (no shell expands a quoted ~)
  (cd "$(P)" && CLAUDE_CONFIG_DIR='~/.cfg' "$CLAUDE_BIN" mcp add -s user --transport http cd1 "$U/cd1/mcp" 2>&1 | sed "s|$HOME|\$HOME|g")
  export CLAUDE_CONFIG_DIR='~/.cfg'
}
f_mcp-login() { :; }

# ---------------------------------------------------------------------------------------------
# One case: fact ID, release V, output folder O. Runs in its own process (and mount namespace for
# managed facts).
run_case() {
  local id="$1" v="$2" o="$3" names="$4"
  export CLAUDE_VERSION="$v" CLAUDE_BIN="$HARNESS/.client/$v/node_modules/.bin/claude"
  HOME="$(mktemp -d "${TMPDIR:-/tmp}/claude-model-facts.XXXXXX")"; export HOME
  mkdir -p "$HOME/work" "$HOME/.claude"; cd "$HOME/work" || exit 1
  trap 'rm -rf "$HOME"' EXIT
  mkdir -p "$o"
  # in the namespace, /etc is a private copy: managed files go to its claude-code folder
  MANAGED="${MF_ETC:-/nonexistent}/claude-code"
  "f_$id" >"$o/setup.txt" 2>&1
  # the throwaway home is written $HOME (a literal ~ in the output is the client's own)
  local clean=(sed -e "s|$HOME|\$HOME|g")
  if [ "$id" = mcp-login ]; then
    cl mcp login --help 2>&1 | "${clean[@]}" >"$o/list.txt"; echo "exit $?" >>"$o/list.txt"
    return
  fi
  cl mcp list 2>&1 | "${clean[@]}" >"$o/list.txt"
  local n
  for n in $names; do
    cl mcp get "$n" >"$o/get-$n.raw" 2>&1; echo "exit $?" >>"$o/get-$n.raw"
    "${clean[@]}" "$o/get-$n.raw" >"$o/get-$n.txt"; rm -f "$o/get-$n.raw"
  done
  # MF_SESSION=1 (--session): also a `claude -p` session's view (mcp_status over stream-json)
  if [ "${MF_SESSION:-0}" = 1 ]; then
    ctl status 2>/dev/null | python3 -c 'import json, sys
for s in json.load(sys.stdin).get("mcpServers", []):
    print(s["name"] + ": session status = " + s["status"] + (" (" + s["error"] + ")" if s.get("error") else ""))' \
      | "${clean[@]}" >"$o/session.txt"
  fi
  # what the client wrote: credential keys (a pending entry per loaded http server), files it made
  python3 - "$HOME" "${CLAUDE_CONFIG_DIR:-}" >"$o/state.txt" <<'EOF'
import json, os, sys
h, cfg = sys.argv[1:]
store = os.path.join(h, ".claude") if not cfg else os.path.join(h, "work", cfg)
try:
    keys = list((json.load(open(os.path.join(store, ".credentials.json"))).get("mcpOAuth") or {}))
except (OSError, ValueError):
    keys = []
print("credential keys: " + (", ".join(keys) if keys else "(none)"))
if cfg:
    for root, dirs, files in os.walk(h):
        for f in files:
            if f in (".claude.json", ".credentials.json") or root.endswith(".cfg"):
                print("file: $HOME/" + os.path.relpath(os.path.join(root, f), h))
EOF
}

case "${1:-}" in
  --case) shift; run_case "$@"; exit $? ;;
  --ns-case) # in a private mount namespace: private /etc copy with claude-code/, then the case
    shift
    MF_ETC="$(mktemp -d /tmp/claude-model-facts-etc.XXXXXX)"; export MF_ETC
    cp -a /etc/. "$MF_ETC/" 2>/dev/null; mkdir -p "$MF_ETC/claude-code"
    mount --bind "$MF_ETC" /etc || { echo "cannot bind-mount /etc in a namespace" >&2; exit 1; }
    MF_ETC=/etc; export MF_ETC
    bash "$SELF" --case "$@"; rc=$?
    exit $rc ;;
esac

MD="" ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --md) MD="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    --session) export MF_SESSION=1; shift ;;
    -h|--help) awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$0"; exit 0 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || set -- 2.1.100 2.1.332
for v in "$@"; do CLAUDE_BIN="$HARNESS/.client/$v/node_modules/.bin/claude" need_client; done

OUT="$(mktemp -d "${TMPDIR:-/tmp}/claude-model-facts-out.XXXXXX")"
new_run model-facts
MOCK_PID=""
trap 'mock_stop; rm -rf "$RUN" "$OUT"; [ -n "${MF_ETC_TOP:-}" ] && rm -rf "$MF_ETC_TOP"' EXIT
mock_start "$PORT" || exit 1

# status of NAME in a list output: the text after " - " on its line, or "(not listed)"
status_of() {
  local line
  line="$(grep -F -- "$1: " "$2" | grep -v '^  ' | head -1)"
  [ -n "$line" ] && printf '%s' "${line##* - }" || printf '(not listed)'
}

for entry in "${FACTS[@]}"; do
  IFS='|' read -r id names what <<<"$entry"
  [ -n "$ONLY" ] && [[ ",$ONLY," != *",$id,"* ]] && continue
  [ "$names" = - ] && names=""
  for v in "$@"; do
    o="$OUT/$id/$v"
    if [[ "$id" == managed* ]]; then
      unshare -m --propagation private bash "$SELF" --ns-case "$id" "$v" "$o" "$names"
      rm -rf /tmp/claude-model-facts-etc.* 2>/dev/null   # the namespace's /etc copies (ours only: made above)
    else
      bash "$SELF" --case "$id" "$v" "$o" "$names"
    fi
  done
  echo "== $id: $what"
  for v in "$@"; do
    o="$OUT/$id/$v"
    if [ -z "$names" ]; then
      printf '  %-8s %s\n' "$v" "$(head -3 "$o/list.txt" | tr '\n' ' ')"
      continue
    fi
    for n in $names; do
      printf '  %-8s %-16s list: %s | get: %s\n' "$v" "$n" "$(status_of "$n" "$o/list.txt")" \
        "$(grep -m1 -E 'Status:|No MCP server|not found|rror' "$o/get-$n.txt" | sed 's/^ *//')"
    done
    grep -h -iE 'conflict|shadow|suppress|warning|invalid|skipp|error' "$o/list.txt" | grep -v ' - ' | sed "s/^/  $v    list says: /"
    [ -f "$o/session.txt" ] && sed "s/^/  $v    /" "$o/session.txt"
    sed "s/^/  $v    /" "$o/state.txt"
  done
done

if [ -n "$MD" ]; then
  {
    for entry in "${FACTS[@]}"; do
      IFS='|' read -r id names what <<<"$entry"
      [ -n "$ONLY" ] && [[ ",$ONLY," != *",$id,"* ]] && continue
      [ "$names" = - ] && names=""
      printf '### `%s`\n\n%s\n\n' "$id" "$what"
      for v in "$@"; do
        o="$OUT/$id/$v"
        printf '%s:\n```\n' "$v"
        [ -s "$o/setup.txt" ] && { sed 's/^/(set-up) /' "$o/setup.txt"; }
        printf '$ claude mcp list\n'; grep -v '^$' "$o/list.txt"
        for n in $names; do printf '$ claude mcp get %s\n' "$n"; grep -v '^$' "$o/get-$n.txt"; done
        [ -f "$o/session.txt" ] && { printf '$ claude -p (stream-json) mcp_status\n'; cat "$o/session.txt"; }
        [ -f "$o/state.txt" ] && sed 's/^/(after) /' "$o/state.txt"
        printf '```\n'
      done
      echo
    done
  } >"$MD"
  echo "details -> $MD" >&2
fi
