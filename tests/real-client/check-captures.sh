#!/usr/bin/env bash
# check-captures.sh: what our `check` says about each state capture.sh let the real client write,
# one line per server (verdict, its finding codes) and per finding (code, severity, planned action).
#
#   HARNESS=/tmp/harness DOCTOR=target/release/mcp-auth-doctor tests/real-client/check-captures.sh SNAPSHOT_ROOT...
#
# SNAPSHOT_ROOT is a folder with repairs/<state>/ (capture.sh's $SNAP_ROOT, e.g. $HARNESS/snapshots or
# $HARNESS/snapshots/claude-2.1.332). Each snapshot is first copied with every time shifted to now
# (the harness's shift.py), so tokens and markers are as fresh as at capture and two runs, or two
# binaries, on the same snapshot print the same lines: diff the output of two DOCTORs to compare.
# Needs no client. Never run by CI.
set -u
HARNESS="${HARNESS:-/tmp/harness}"
DOCTOR="${DOCTOR:-target/release/mcp-auth-doctor}"
[ -x "$DOCTOR" ] || { echo "no $DOCTOR: cargo build --release first" >&2; exit 2; }
[ $# -gt 0 ] || { echo "usage: check-captures.sh SNAPSHOT_ROOT..." >&2; exit 2; }
SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/claude-check-captures.XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT
for root in "$@"; do
  for snap in "$root"/repairs/*/; do
    state="$(basename "$snap")"
    rm -rf "$SCRATCH/snap"
    python3 "$HARNESS/shift.py" "$snap" "$SCRATCH/snap" >/dev/null || { echo "$state: shift.py failed" >&2; continue; }
    "$DOCTOR" --home "$SCRATCH/snap/home" check --format json >"$SCRATCH/check.json" 2>"$SCRATCH/check.err"
    rc=$?
    python3 - "$state" "$rc" "$SCRATCH/check.json" <<'EOF'
import json, sys
state, rc, path = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    d = json.load(open(path))
except ValueError as e:
    print(f"{state}\tcheck exit {rc}\tno JSON ({e})")
    sys.exit(0)
for s in d.get("servers", []):
    print(f"{state}\tserver {s['name']}\t{s['verdict']}\t{','.join(s.get('findings', []))}\tcheck exit {rc}")
for f in d.get("findings", []):
    a = f.get("action") or {}
    act = a.get("kind", "-") + (f" {a['from']} -> {a['to']}" if a.get("from") and a.get("to") else "")
    print(f"{state}\tfinding {f['code']}\t{f['severity']}\t{f.get('key') or f.get('server') or '-'}\t{act}")
EOF
  done
done
