#!/usr/bin/env bash
# Same output: runs two builds of mcp-auth-doctor on every testdata home (and any extra homes
# given) and requires byte-identical stdout, stderr and exit codes for check, status and
# fix --dry-run in every format, and identical stdout and resulting files for `fix --yes`
# (default, --safe-only, and --only each code the base reports) on fresh copies. For speed work:
# a change that is meant to be invisible must be. Never run by CI.
#
#   bench/same-output.sh BASE_BIN NEW_BIN [EXTRA_HOME ...]
#
# Each testdata home is copied the way tests/common/mod.rs copies it (@HOME@ replaced, credential
# modes 0600, the scenario's environment), once per run, to the same path for both builds.
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 BASE_BIN NEW_BIN [EXTRA_HOME ...]" >&2; exit 2; }
BASE=$(realpath "$1")
NEW=$(realpath "$2")
shift 2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/mad-same.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
NOW_MS=1780315200000
checked=0
differ=0

scenario_env() { # name home -> VAR=value lines
  case "$1" in
    env-changed) echo "MCP_HOST=new.example.com" ;;
    launcher-keys) echo "ACME_TENANT=team-a" ;;
    container-callback) echo "REMOTE_CONTAINERS=true" ;;
    config-dir) echo "CLAUDE_CONFIG_DIR=$2/profiles/work" ;;
    tilde-config-dir) echo "CLAUDE_CONFIG_DIR=~/.claude-work" ;;
    tilde-config-dir-absolute) echo "CLAUDE_CONFIG_DIR=$2/.claude-work" ;;
    windows-credman | windows-credman-off) echo "MCP_AUTH_DOCTOR_TEST_OS=windows" ;;
  esac
}

# fresh SRC NAME: a new copy of SRC at $WORK/home (testdata rules when NAME is a scenario)
fresh() {
  rm -rf "$WORK/home"
  cp -a "$1" "$WORK/home"
  if [ -n "$2" ]; then
    { grep -rlF '@HOME@' "$WORK/home" 2>/dev/null || true; } | while read -r f; do
      sed -i "s#@HOME@#$WORK/home#g" "$f"
    done
    find "$WORK/home" -name .credentials.json -type f -exec chmod 600 {} +
    [ "$2" = credentials-0644 ] && find "$WORK/home" -name .credentials.json -type f -exec chmod 644 {} +
  fi
  return 0
}

# run BIN NAME OUTDIR ARGS...: stdout, stderr and exit code into OUTDIR
run() {
  local bin=$1 name=$2 out=$3
  shift 3
  mkdir -p "$out"
  local envs=()
  while IFS= read -r kv; do [ -n "$kv" ] && envs+=("$kv"); done < <(scenario_env "$name" "$WORK/home")
  set +e
  (cd "$WORK/home" && env -i HOME="$WORK/home" USERPROFILE="$WORK/home" MCP_AUTH_DOCTOR_NOW=$NOW_MS \
    NO_COLOR=1 PATH=/nonexistent-mcp-auth-doctor-test-path \
    MCP_AUTH_DOCTOR_TEST_DOCKERENV=/nonexistent-mcp-auth-doctor-dockerenv "${envs[@]}" \
    "$bin" "$@" >"$out/stdout" 2>"$out/stderr")
  echo $? >"$out/code"
  set -e
  # backup ids hold the wall-clock time, and -v says how long the run took
  sed -i -E -e 's/[0-9]{8}T[0-9]{6}\.[0-9]{3}Z/BACKUP-ID/g' -e 's/done in [0-9]+ ms/done in N ms/' \
    "$out/stdout" "$out/stderr"
}

compare() { # label dirA dirB
  checked=$((checked + 1))
  if ! diff -rq "$2" "$3" >/dev/null; then
    differ=$((differ + 1))
    echo "DIFFERS: $1"
    diff -r "$2" "$3" | head -20 || true
  fi
}

homes=()
for d in "$ROOT"/testdata/*/; do homes+=("$(basename "$d")"); done
for h in "$@"; do homes+=("$(realpath "$h")"); done

for h in "${homes[@]}"; do
  if [ -d "$ROOT/testdata/$h" ]; then src="$ROOT/testdata/$h"; name=$h; else src=$h; name=""; fi
  label=${name:-$src}
  fresh "$src" "$name"
  for args in "check" "check --format json" "check --format markdown" "status" "status --format json" \
    "fix --dry-run" "fix --dry-run --format json" "check --project $WORK/home" "check -v"; do
    # shellcheck disable=SC2086
    run "$BASE" "$name" "$WORK/a" $args
    # shellcheck disable=SC2086
    run "$NEW" "$name" "$WORK/b" $args
    compare "$label: $args" "$WORK/a" "$WORK/b"
    rm -rf "$WORK/a" "$WORK/b"
  done
  run "$BASE" "$name" "$WORK/c" check --format json
  codes=$(grep -o '"code": *"[a-z0-9-]*"' "$WORK/c/stdout" | sed 's/.*"\([a-z0-9-]*\)"$/\1/' | sort -u || true)
  rm -rf "$WORK/c"
  fixes=("fix --yes" "fix --yes --safe-only")
  for c in $codes; do fixes+=("fix --yes --only $c"); done
  for args in "${fixes[@]}"; do
    for side in a b; do
      fresh "$src" "$name"
      bin=$BASE
      [ $side = b ] && bin=$NEW
      # shellcheck disable=SC2086
      run "$bin" "$name" "$WORK/$side" $args
      # the resulting files, without backups (their names hold the time)
      (cd "$WORK/home" && find . -type f -not -path '*backup*' -not -name '*.bak*' | sort | while read -r f; do
        mkdir -p "$WORK/$side/files/$(dirname "$f")"
        cp "$f" "$WORK/$side/files/$f"
      done)
    done
    compare "$label: $args" "$WORK/a" "$WORK/b"
    rm -rf "$WORK/a" "$WORK/b"
  done
done
echo "same-output: $checked comparisons, $differ differ"
[ "$differ" = 0 ]
