#!/bin/sh
# Manual test of the Keychain write path on a real Mac (docs/safety.md, "The macOS Keychain";
# docs/platforms.md). What the fake `security` of the automated tests cannot show: the real
# `security -i`, the item's access list after our write, real lock/deny messages.
#
# Your real item is never written: everything runs with a scratch HOME and CLAUDE_CONFIG_DIR, so
# Claude Code's service name gets a `-<8 hex>` suffix and names a scratch item of its own. The
# real item is backed up first anyway (to a 0600 file you delete afterwards) and checked unchanged
# at the end.
#
# Usage: tests/manual/macos.sh [path/to/mcp-auth-doctor]   (default: target/debug/mcp-auth-doctor)
set -eu
[ "$(uname)" = Darwin ] || { echo "macOS only" >&2; exit 2; }
BIN=${1:-target/debug/mcp-auth-doctor}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
[ -x "$BIN" ] || { echo "build first: cargo build" >&2; exit 2; }
ACCOUNT=${USER:-claude-code-user}
umask 077

step() { printf '\n== %s\n' "$*"; }
sha() { shasum -a 256 | cut -c1-64; }
hexof() { od -An -v -tx1 | tr -d ' \n'; }

step "back up the real item (if any) and remember its checksum"
REAL_BACKUP=$(mktemp "${TMPDIR:-/tmp}/claude-keychain-backup.XXXXXX")
if security find-generic-password -a "$ACCOUNT" -w -s "Claude Code-credentials" > "$REAL_BACKUP" 2>/dev/null; then
  REAL_SHA=$(sha < "$REAL_BACKUP")
  echo "real item backed up to $REAL_BACKUP (mode 0600; delete it when done)"
else
  REAL_SHA=none
  echo "no real item"
fi

step "scratch home from testdata/removed-orphan, its credentials moved into a scratch item"
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/mad-macos.XXXXXX")
cp -R "$REPO/testdata/removed-orphan/." "$SCRATCH/"
find "$SCRATCH" -type f -exec sed -i '' "s|@HOME@|$SCRATCH|g" {} +
export HOME="$SCRATCH" CLAUDE_CONFIG_DIR="$SCRATCH/.claude"
SERVICE="Claude Code-credentials-$(printf '%s' "$CLAUDE_CONFIG_DIR" | sha | cut -c1-8)"
VALUE="$CLAUDE_CONFIG_DIR/.credentials.json"
ORIGINAL_SHA=$(sha < "$VALUE")
printf 'add-generic-password -U -a "%s" -s "%s" -X "%s"\n' "$ACCOUNT" "$SERVICE" "$(hexof < "$VALUE")" | security -i
rm "$VALUE"
echo "scratch item: $SERVICE"

cleanup() { security delete-generic-password -a "$ACCOUNT" -s "$SERVICE" >/dev/null 2>&1 || true; }
trap cleanup EXIT

step "check (reads the item by default: the credentials file is absent)"
"$BIN" check || true
step "fix --dry-run (plans edits to the item; writes nothing)"
"$BIN" fix --dry-run || true
step "fix --yes"
"$BIN" fix --yes || true
AFTER=$(security find-generic-password -a "$ACCOUNT" -w -s "$SERVICE")
echo "item after fix: $(printf '%s' "$AFTER" | wc -c | tr -d ' ') bytes"
step "check again: expect no prompt from the Keychain (the access list still trusts security)"
"$BIN" check || true
step "restore --latest --yes"
"$BIN" restore --latest --yes
RESTORED_SHA=$(security find-generic-password -a "$ACCOUNT" -w -s "$SERVICE" | tr -d '\n' | sha)
if [ "$RESTORED_SHA" = "$ORIGINAL_SHA" ]; then echo "PASS: restore gave back the exact value"; else echo "FAIL: restored value differs"; fi

step "locked keychain (optional): lock it and run fix; expect a clear error and nothing written"
echo "   security lock-keychain; $BIN fix --yes; security unlock-keychain"

step "the real item is unchanged"
if [ "$REAL_SHA" != none ]; then
  NOW_SHA=$(security find-generic-password -a "$ACCOUNT" -w -s "Claude Code-credentials" | sha)
  if [ "$NOW_SHA" = "$REAL_SHA" ]; then echo "PASS: real item unchanged"; else echo "FAIL: real item changed; restore it from $REAL_BACKUP"; fi
fi
echo "scratch home: $SCRATCH (delete it when done)"
