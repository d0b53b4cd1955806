#!/usr/bin/env bash
# Benchmark: mcp-auth-doctor `check` against what users run by hand today (bench/orphans.jq) and
# a full node cross-reference (bench/crossref.js), on generated homes of three sizes.
# See docs/performance.md. Never run by CI.
#
#   bench/run.sh [--runs N] [--sizes "small medium large"] [--dir DIR] [--no-hyperfine]
#
# Homes are generated once into DIR (default /tmp/mad-bench; never into the repository) and
# reused while their parameters are unchanged. Before any timing, the three tools must agree on
# the orphaned entries and orphaned markers of every home, or the script stops.
#
# Timing: RUNS rounds; each round runs each of the three tools, alternating (the starting tool
# rotates): once bare, timed with bash's $EPOCHREALTIME (process start-up included, ~1 ms), and
# once under `/usr/bin/time -v` for its peak RSS. If hyperfine is installed it also runs each size
# with `-N`, 3 warm-ups and RUNS runs per tool (it does not alternate). The page cache is warm in
# both: the agreement check reads every file first.
set -euo pipefail

RUNS=10
SIZES="small medium large"
DIR=/tmp/mad-bench
USE_HYPERFINE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --sizes) SIZES=$2; shift 2 ;;
    --dir) DIR=$2; shift 2 ;;
    --no-hyperfine) USE_HYPERFINE=0; shift ;;
    *) echo "usage: $0 [--runs N] [--sizes \"small medium large\"] [--dir DIR] [--no-hyperfine]" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
for tool in jq node /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required (apt-get install -y jq nodejs time)" >&2; exit 1; }
done
HAVE_HYPERFINE=0
if [ "$USE_HYPERFINE" = 1 ] && command -v hyperfine >/dev/null; then HAVE_HYPERFINE=1; fi

# size -> generator arguments: MB projects servers entries
params() {
  case "$1" in
    small) echo "1 50 10 30" ;;
    medium) echo "50 1250 100 300" ;;
    large) echo "200 5000 300 1000" ;;
    *) echo "bench: unknown size $1" >&2; exit 2 ;;
  esac
}
SEED=1

echo "== building (release)"
(cd "$ROOT" && cargo build --release --quiet --bin mcp-auth-doctor --example gen_home)
BIN=$ROOT/target/release/mcp-auth-doctor
GEN=$ROOT/target/release/examples/gen_home
mkdir -p "$DIR"

for size in $SIZES; do
  read -r mb projects servers entries <<<"$(params "$size")"
  stamp="$mb $projects $servers $entries $SEED $(sha256sum "$ROOT/tests/synth/mod.rs" | cut -c1-16)"
  if [ ! -f "$DIR/$size/manifest.json" ] || [ "$(cat "$DIR/$size/params" 2>/dev/null)" != "$stamp" ]; then
    echo "== generating $size home in $DIR/$size"
    rm -rf "${DIR:?}/$size"
    "$GEN" --out "$DIR/$size" --claude-json-mb "$mb" --projects "$projects" --servers "$servers" \
      --entries "$entries" --seed "$SEED"
    echo "$stamp" >"$DIR/$size/params"
  fi
done

# The three commands for a size, as argv strings (word-split on purpose; paths have no spaces).
cmd_ours() { echo "$BIN check --format json --home $1 --now $2 --project $1"; }
cmd_jq() {
  echo "jq -n --argjson now_ms $2 --slurpfile cfg $1/.claude.json --slurpfile cred $1/.claude/.credentials.json --slurpfile cache $1/.claude/mcp-needs-auth-cache.json -f $BENCH/orphans.jq"
}
cmd_node() { echo "node $BENCH/crossref.js $1 $2"; }
TOOLS="ours jq node"

echo "== checking that the three agree on the orphans"
for size in $SIZES; do
  home="$DIR/$size/home"
  now=$(jq -r .now_ms "$DIR/$size/manifest.json")
  out="$DIR/$size/out"
  mkdir -p "$out"
  # `check` exits 4 when it finds problems, which it must here.
  $(cmd_ours "$home" "$now") >"$out/ours.json" || [ $? -eq 4 ]
  $(cmd_jq "$home" "$now") >"$out/jq.json"
  $(cmd_node "$home" "$now") >"$out/node.json"
  jq -c '{regs: ([.findings[] | select(.code == "orphaned-registration") | .key] | sort),
          markers: ([.findings[] | select(.code == "orphaned-needs-auth-marker") | .server] | sort)}' \
    "$out/ours.json" >"$out/ours.orphans"
  for t in jq node; do
    jq -c '{regs: .orphaned_registrations, markers: .orphaned_markers}' "$out/$t.json" >"$out/$t.orphans"
    if ! cmp -s "$out/ours.orphans" "$out/$t.orphans"; then
      echo "bench: $size: $t disagrees with mcp-auth-doctor on the orphans; not timing" >&2
      diff <(jq . "$out/ours.orphans") <(jq . "$out/$t.orphans") >&2 || true
      exit 1
    fi
  done
  # And with what the generator planted.
  jq -c '{regs: ([.entries[] | select(.state == "orphaned") | .key] | sort),
          markers: ([.markers[] | select(.state == "orphan") | .name] | sort)}' \
    "$DIR/$size/manifest.json" >"$out/planted.orphans"
  cmp -s "$out/ours.orphans" "$out/planted.orphans" || { echo "bench: $size: orphans differ from the manifest" >&2; exit 1; }
  echo "$size: $(jq '.regs | length' "$out/ours.orphans") orphaned entries, $(jq '.markers | length' "$out/ours.orphans") orphaned markers: all three agree"
done

# median, min and max of the numbers on stdin
stats() { sort -g | awk '{v[NR]=$1} END {m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%.1f %.1f %.1f\n", m, v[1], v[NR]}'; }

echo "== timing: $RUNS alternating rounds per size"
for size in $SIZES; do
  home="$DIR/$size/home"
  now=$(jq -r .now_ms "$DIR/$size/manifest.json")
  res="$DIR/$size/times"
  rm -rf "$res"; mkdir -p "$res"
  for r in $(seq 1 "$RUNS"); do
    # Rotate the order each round: ours jq node, jq node ours, node ours jq, ...
    set -- $TOOLS
    for _ in $(seq 1 $(((r - 1) % 3))); do set -- "$2" "$3" "$1"; done
    for t in "$@"; do
      cmd=$(cmd_"$t" "$home" "$now")
      # Wall time from a bare run (only bash's fork and exec around it) ...
      t0=$EPOCHREALTIME
      $cmd >/dev/null || true
      t1=$EPOCHREALTIME
      awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", (b - a) * 1000}' >>"$res/$t.wall"
      # ... and peak RSS from a second run under /usr/bin/time -v, whose start-up would add
      # 1-2 ms to the wall time of the small home.
      /usr/bin/time -v -o "$res/$t.time" $cmd >/dev/null || true
      awk -F': ' '/Maximum resident set size/ {print $2}' "$res/$t.time" >>"$res/$t.rss"
    done
  done
  printf '.'
done
echo

if [ "$HAVE_HYPERFINE" = 1 ]; then
  echo "== hyperfine: -N, 3 warm-ups, $RUNS runs per tool"
  for size in $SIZES; do
    home="$DIR/$size/home"
    now=$(jq -r .now_ms "$DIR/$size/manifest.json")
    hyperfine -N --warmup 3 --runs "$RUNS" -i --style none \
      --export-json "$DIR/$size/hyperfine.json" \
      -n ours "$(cmd_ours "$home" "$now")" -n jq "$(cmd_jq "$home" "$now")" \
      -n node "$(cmd_node "$home" "$now")" >/dev/null
  done
fi

report="$DIR/results.md"
{
  echo "Machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); $(uname -sr);"
  echo "jq $(jq --version | sed 's/jq-//'), node $(node --version), $($BIN --version). $RUNS rounds."
  echo
  echo "Alternating loop (wall from bare runs, peak RSS from runs under /usr/bin/time -v):"
  echo
  echo "| home | .claude.json MB | tool | median ms | min ms | max ms | MB/s | peak RSS MB |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|"
  for size in $SIZES; do
    bytes=$(stat -c %s "$DIR/$size/home/.claude.json")
    mb=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1048576}')
    for t in $TOOLS; do
      read -r med min max <<<"$(stats <"$DIR/$size/times/$t.wall")"
      read -r rss _ rssmax <<<"$(stats <"$DIR/$size/times/$t.rss")"
      awk -v s="$size" -v mb="$mb" -v t="$t" -v med="$med" -v min="$min" -v max="$max" -v rss="$rssmax" \
        'BEGIN {printf "| %s | %s | %s | %.1f | %.1f | %.1f | %.0f | %.1f |\n", s, mb, t, med, min, max, mb / (med / 1000), rss / 1024}'
    done
  done
  if [ "$HAVE_HYPERFINE" = 1 ]; then
    echo
    echo "hyperfine (-N, 3 warm-ups; not alternating):"
    echo
    echo "| home | tool | median ms | min ms | max ms | MB/s |"
    echo "|---|---|---:|---:|---:|---:|"
    for size in $SIZES; do
      bytes=$(stat -c %s "$DIR/$size/home/.claude.json")
      jq -r --argjson bytes "$bytes" --arg size "$size" '.results[] |
        "| \($size) | \(.command) | \(.median * 1000 * 10 | round / 10) | \(.min * 1000 * 10 | round / 10) | \(.max * 1000 * 10 | round / 10) | \($bytes / 1048576 / .median | round) |"' \
        "$DIR/$size/hyperfine.json"
    done
  fi
  echo
  echo "Targets (medians from the alternating loop; the small-home wall also from hyperfine when run):"
  echo
  for size in $SIZES; do
    ours=$(stats <"$DIR/$size/times/ours.wall" | cut -d' ' -f1)
    jqm=$(stats <"$DIR/$size/times/jq.wall" | cut -d' ' -f1)
    nodem=$(stats <"$DIR/$size/times/node.wall" | cut -d' ' -f1)
    rss=$(stats <"$DIR/$size/times/ours.rss" | cut -d' ' -f3)
    bytes=$(stat -c %s "$DIR/$size/home/.claude.json")
    awk -v s="$size" -v o="$ours" -v j="$jqm" -v n="$nodem" -v rss="$rss" -v b="$bytes" 'BEGIN {
      printf "- %s: jq/ours = %.1fx, node/ours = %.1fx, ours peak RSS = %.1f MB = %.1f%% of .claude.json\n",
        s, j / o, n / o, rss / 1024, 100 * rss * 1024 / b }'
    if [ "$size" = large ]; then
      awk -v o="$ours" -v j="$jqm" -v n="$nodem" -v rss="$rss" -v b="$bytes" 'BEGIN {
        printf "  - check >= 5x faster than jq: %s\n", (j / o >= 5) ? "met" : "NOT met"
        printf "  - check >= 2x faster than node: %s\n", (n / o >= 2) ? "met" : "NOT met"
        printf "  - peak RSS <= half of .claude.json: %s\n", (rss * 1024 <= b / 2) ? "met" : "NOT met" }'
    fi
    if [ "$size" = small ]; then
      precise=$ours
      if [ "$HAVE_HYPERFINE" = 1 ]; then
        precise=$(jq '.results[] | select(.command == "ours") | .median * 1000' "$DIR/small/hyperfine.json")
      fi
      awk -v p="$precise" 'BEGIN { printf "  - small home under 10 ms: %s (%.1f ms)\n", (p < 10) ? "met" : "NOT met", p }'
    fi
  done
} >"$report"
echo
cat "$report"
echo
echo "(saved to $report)"
