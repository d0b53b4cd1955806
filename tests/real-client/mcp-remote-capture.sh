#!/usr/bin/env bash
# Let the real mcp-remote write its OAuth state against the loopback mock, for docs/mcp-remote.md.
# Never part of CI; needs node/npm, python3, curl and the harness (tests/real-client/README.md).
#
# usage: mcp-remote-capture.sh [OUT_DIR]   (default /tmp/mcpr/capture)
# env:   MCPR_VERSIONS="0.1.49 0.15.1"  versions to install into /tmp/mcpr/<version> (outside the repo)
#        HARNESS=/tmp/harness            the copied harness (mock_mcp_oauth.py, fake_browser.sh)
#        MOCK_PORT=18931
#
# For each version, with one MCP_REMOTE_CONFIG_DIR shared by all (so the version folders sit side
# by side as they do in ~/.mcp-auth), it runs `npx mcp-remote URL` with: the bare URL (sign-in), the
# bare URL again (reuse, no browser), `--resource`, and `--header`; each run is driven through one
# MCP initialize by mcp-remote-drive.py, which copies the folder while mcp-remote runs and after
# it exits. Then it prints every file written and the hash vectors from mcp-remote's own function.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/tmp/mcpr/capture}
versions=${MCPR_VERSIONS:-"0.1.49 0.15.1"}
harness=${HARNESS:-/tmp/harness}
port=${MOCK_PORT:-18931}
url="http://127.0.0.1:$port/mcp"

rm -rf "$out" && mkdir -p "$out"
config="$out/config"
# A "browser" on Linux: mcp-remote uses the `open` package, whose bundled xdg-open falls back to
# $BROWSER when no desktop is detected; the harness's fake browser follows the redirect chain.
export BROWSER="$harness/fake_browser.sh" FAKE_BROWSER_LOG="$out/browser.log"
export MCP_REMOTE_CONFIG_DIR="$config"
unset DISPLAY WAYLAND_DISPLAY XDG_CURRENT_DESKTOP DESKTOP_SESSION || true

python3 "$harness/mock_mcp_oauth.py" --port "$port" --state-file "$out/mock-state.json" \
  --log "$out/mock.log" 2>>"$out/mock.stderr" &
mock_pid=$!
trap 'kill "$mock_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/.well-known/oauth-authorization-server" && break; sleep 0.1; done

for v in $versions; do
  dir="/tmp/mcpr/$v"
  if [ ! -x "$dir/node_modules/.bin/mcp-remote" ]; then
    mkdir -p "$dir" && (cd "$dir" && npm init -y >/dev/null && npm i --no-audit --no-fund "mcp-remote@$v" >/dev/null)
  fi
  run() { # NAME ARGS...
    local name=$1; shift
    (cd "$dir" && python3 "$here/mcp-remote-drive.py" "$out/$v/$name" "$config" -- npx --no-install mcp-remote "$@")
  }
  run signin "$url"
  run reuse "$url"
  run resource "$url" --resource "http://127.0.0.1:$port/"
  run header "$url" --header "X-Tenant: acme"
  node "$here/mcp-remote-hash-vectors.mjs" "$dir/node_modules/mcp-remote" >"$out/$v/hash-vectors.jsonl"
done

echo "== files (after every run)"
(cd "$config" && find . -type f -printf '%M %s %p\n' | sort -k3)
echo "== files while a run was alive (lock files)"
(cd "$out" && find . -path '*/running/*' -type f -printf '%p\n' | sort)
