#!/usr/bin/env bash
# capture.sh: let the REAL Claude Code client write the broken states that `fix` and `login` repair,
# and snapshot each one (state files + mock server + the client's own views).
#
#   HARNESS=/tmp/harness CLAUDE_VERSION=2.1.332 tests/real-client/capture.sh
#
# Needs a copy of the real-client kit (../shared/harness: copy it, run its setup.sh for the releases you
# want). Never run by CI or `cargo test`: it installs nothing and needs the client and python3.
# Snapshots go to $HARNESS/snapshots[/claude-<version>]/repairs/<state>.
set -u
HARNESS="${HARNESS:-/tmp/harness}"
. "$HARNESS/lib.sh"
need_client
SNAP="$SNAP_ROOT/repairs"
export SNAPSHOT_REPL="${SNAPSHOT_REPL:-0}"
PORT="${MOCK_PORT:-18811}"
trap harness_exit EXIT

# 1. A url edited by hand on the same origin: the working token stays under the old key.
new_run url-edited; new_home
mock_start "$PORT" || exit 1
cl mcp add -s user --transport http moved "$(mock_url /mcp)" >/dev/null
auth moved --timeout 30 >/dev/null 2>&1 || echo "sign-in to moved failed" >&2
edit_config "c['mcpServers']['moved']['url'] = '$(mock_url /v2/mcp)'"
cl mcp list >/dev/null 2>&1   # the client itself leaves its placeholder under the new key
stage url-edited-same-origin "Signed in to moved at /mcp, then the url was edited to /v2/mcp (same origin) and \`claude mcp list\` ran."
mock_stop

# 2. A client registration the server forgot, with no usable token left: expired access token, no
#    refresh token, clientId unknown to the server (2.1.332 reuses the clientId at sign-in: stuck).
new_run forgotten; new_home
mock_start "$PORT" --no-refresh-token --token-ttl 2 || exit 1
cl mcp add -s user --transport http forgotten "$(mock_url /mcp)" >/dev/null
auth forgotten --timeout 30 >/dev/null 2>&1 || echo "sign-in to forgotten failed" >&2
sleep 3
mock_admin forget-clients >/dev/null
mock_restart   # tokens from now on live an hour (and come with a refresh token), as a real server's would
stage forgotten-client "Signed in with no refresh token, the token expired, then the server forgot every client."
mock_stop

# 3. Needs authentication: a server added and never signed in; the client's placeholder and a
#    session's needs-auth marker are there.
new_run needs-auth; new_home
mock_start "$PORT" || exit 1
cl mcp add -s user --transport http fresh "$(mock_url /mcp)" >/dev/null
cl mcp list >/dev/null 2>&1
ctl status >/dev/null 2>&1
stage needs-auth "A server added and never signed in; \`claude mcp list\` and one session ran."
mock_stop
