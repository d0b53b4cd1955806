#!/usr/bin/env bash
# compare-verdicts.sh: do our verdicts agree with the REAL Claude Code client? Issue 9's "Done
# when" for items 1-3 (settings, the release-dependent streamable-http alias, local-over-user
# shadowing). For each fixture home below and each release, it copies the home to a scratch folder
# (as tests/common/mod.rs does: @HOME@ replaced, credentials 0600), points every url in it at the
# harness's mock MCP/OAuth server (https://HOST/PATH -> http://127.0.0.1:PORT/HOST/PATH, in every
# file, so keys, allowlist patterns and suppression compare as before), runs
#   mcp-auth-doctor check --format json --claude-version V --project FOLDER
# and the client's own `claude mcp list` and `claude mcp get NAME` (HOME = the scratch home, cwd =
# FOLDER, no login, a timeout), and prints one table: server, our verdict, 2.1.100's line,
# 2.1.332's line, agree?. Never run by CI or `cargo test`; nothing touches the real home.
#
#   HARNESS=/tmp/harness tests/real-client/compare-verdicts.sh [--keep] [VERSION...]
#
# Default releases: 2.1.100 2.1.332 (the harness's setup.sh installs them). DOCTOR= the binary to
# judge with (default: target/debug/mcp-auth-doctor of this checkout; `cargo build` first).
# MOCK_PORT= the mock's port (default 18893). A home with a managed/ folder is run twice: as is,
# and with managed/ as /etc/claude-code in a private mount namespace (root; the machine's /etc is
# never written) and --managed-dir for the doctor.
#
# Reading the table: `mcp list` connects every server it loads (the mock answers 401, so a loaded
# http server shows "! Needs authentication"); a server it does not load is absent or shown with
# its own status. 2.1.100's `mcp list`/`get` approve every .mcp.json server and ignore
# disabledMcpServers (tests/real-client/model-facts.md: its sessions honour the latter), so for
# those verdicts 2.1.100's line answers another question: "n/a".
set -u
HARNESS="${HARNESS:-/tmp/harness}"
. "$HARNESS/lib.sh"
SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
DOCTOR="${DOCTOR:-$REPO/target/debug/mcp-auth-doctor}"
PORT="${MOCK_PORT:-18893}"
TIMEOUT="${CLIENT_TIMEOUT:-90}"

# home | folders to check (relative to the home; . is the home itself) | what it exercises
CASES=(
  "settings-disabled|.|item 1: disabledMcpServers / enabledMcpServers of the folder"
  "settings-plugins|.|item 1: enabledPlugins not true, plugin server duplicating a user server"
  "settings-approval|. app-untrusted app-trusted|item 1: .mcp.json approval, rejection, trust"
  "settings-denied|.|item 1: deniedMcpServers / allowedMcpServers (user settings; then managed)"
  "streamable-http|.|item 2: \"type\": \"streamable-http\" by release"
  "local-shadows-user|.|item 3: a local server shadows the user one of the same name"
  "settings-invalid-plugins|.|a non-boolean enabledPlugins value: the whole settings file is ignored"
  "settings-drop-ins|.|managed-settings.d drop-ins merged in name order (the managed run)"
  "git-worktree|code/app-wt/sub code/app/src|a worktree files local servers under its main repo"
)

# What a fixture leaves out that the real client needs (our model does not read it), added to the
# scratch copy only. settings-plugins and settings-invalid-plugins: the marketplace the plugins
# came from, as `claude plugin marketplace add DIR` records it (known_marketplaces.json and the
# folder itself). git-worktree: git cannot store a `.git`, so the fixture's `dot-git` are renamed
# (as tests/it/worktree.rs does).
prepare_home() {
  local h="$1" scratch="$2"
  if [ "$h" = git-worktree ]; then
    find "$scratch" -depth -name dot-git -execdir mv dot-git .git \;
    return 0
  fi
  case "$h" in settings-plugins|settings-invalid-plugins) ;; *) return 0 ;; esac
  python3 - "$scratch" <<'EOF'
import json, os, shutil, sys
home = sys.argv[1]
plugins = os.path.join(home, ".claude", "plugins")
installed = json.load(open(os.path.join(plugins, "installed_plugins.json")))["plugins"]
market = os.path.join(home, "market")
entries = []
for pid, installs in installed.items():
    name, _, mkt = pid.partition("@")
    shutil.copytree(installs[0]["installPath"], os.path.join(market, name))
    entries.append({"name": name, "source": "./" + name, "description": name})
os.makedirs(os.path.join(market, ".claude-plugin"), exist_ok=True)
json.dump({"name": "market", "owner": {"name": "t"}, "plugins": entries},
          open(os.path.join(market, ".claude-plugin", "marketplace.json"), "w"))
json.dump({"market": {"source": {"source": "directory", "path": market},
                      "installLocation": market, "lastUpdated": "2026-05-01T10:00:00.000Z"}},
          open(os.path.join(plugins, "known_marketplaces.json"), "w"))
EOF
}

# One case in its own process: home H, folder F, release V, output folder O, managed (0/1).
run_case() {
  local h="$1" f="$2" v="$3" o="$4" with_managed="$5"
  local bin="$HARNESS/.client/$v/node_modules/.bin/claude"
  # global, for the EXIT trap
  scratch="$(mktemp -d "${TMPDIR:-/tmp}/compare-verdicts-home.XXXXXX")"
  trap 'rm -rf "$scratch"' EXIT
  cp -a "$REPO/testdata/$h/." "$scratch/"
  python3 - "$scratch" "$PORT" <<'EOF'
import os, re, sys
home, port = sys.argv[1], sys.argv[2]
url = re.compile(r'https?://([A-Za-z0-9.-]+)(?::\d+)?')
for root, dirs, files in os.walk(home):
    for name in files:
        p = os.path.join(root, name)
        if os.path.islink(p):
            continue
        try:
            text = open(p, encoding="utf-8").read()
        except (UnicodeDecodeError, OSError):
            continue
        new = text.replace("@HOME@", home)
        new = url.sub(lambda m: "http://127.0.0.1:%s/%s" % (port, m.group(1)), new)
        if new != text:
            open(p, "w", encoding="utf-8").write(new)
        if name == ".credentials.json":
            os.chmod(p, 0o600)
EOF
  prepare_home "$h" "$scratch"
  mkdir -p "$o"
  local folder="$scratch/$f" managed_dir="$scratch/no-managed"
  mkdir -p "$managed_dir"
  if [ "$with_managed" = 1 ]; then
    managed_dir="$scratch/managed"
    cp -a "$managed_dir/." /etc/claude-code/
  fi
  (cd "$folder" && env -u CLAUDE_CONFIG_DIR HOME="$scratch" MCP_AUTH_DOCTOR_NOW=1780315200000 \
    "$DOCTOR" check --format json --claude-version "$v" --project "$folder" \
    --managed-dir "$managed_dir" >"$o/doctor.json" 2>"$o/doctor.err")
  local clean=(sed -e "s|$scratch|\$HOME|g")
  (cd "$folder" && HOME="$scratch" timeout "$TIMEOUT" "$bin" mcp list 2>&1) | "${clean[@]}" >"$o/list.txt"
  python3 -c 'import json, sys
for s in json.load(open(sys.argv[1]))["servers"]:
    print(s["name"])' "$o/doctor.json" | sort -u | while IFS= read -r n; do
    (cd "$folder" && HOME="$scratch" timeout "$TIMEOUT" "$bin" mcp get "$n" 2>&1 </dev/null) \
      | "${clean[@]}" >"$o/get-$(printf '%s' "$n" | tr -c 'A-Za-z0-9_.-' '_').txt"
  done
}

case "${1:-}" in
  --case) shift; run_case "$@"; exit $? ;;
  --ns-case) # a private mount namespace: a private /etc copy whose claude-code/ is the home's managed/
    shift
    etc="$(mktemp -d /tmp/compare-verdicts-etc.XXXXXX)"
    cp -a /etc/. "$etc/" 2>/dev/null; rm -rf "$etc/claude-code"; mkdir -p "$etc/claude-code"
    mount --bind "$etc" /etc || { echo "cannot bind-mount /etc in a namespace" >&2; exit 1; }
    bash "$SELF" --case "$@"; rc=$?
    exit $rc ;;
esac

KEEP=0 ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) KEEP=1; shift ;;
    --only) ONLY="$2"; shift 2 ;;
    -h|--help) awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$0"; exit 0 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || set -- 2.1.100 2.1.332
for v in "$@"; do CLAUDE_BIN="$HARNESS/.client/$v/node_modules/.bin/claude" need_client; done
[ -x "$DOCTOR" ] || { echo "no doctor at $DOCTOR: cargo build first (or DOCTOR=...)" >&2; exit 1; }

OUT="$(mktemp -d "${TMPDIR:-/tmp}/compare-verdicts-out.XXXXXX")"
new_run compare-verdicts
MOCK_PID=""
trap 'mock_stop; rm -rf "$RUN"; [ "$KEEP" = 1 ] && echo "outputs kept in $OUT" >&2 || rm -rf "$OUT"; rm -rf /tmp/compare-verdicts-etc.* 2>/dev/null' EXIT
mock_start "$PORT" || exit 1

RUNS=()
for entry in "${CASES[@]}"; do
  IFS='|' read -r h folders what <<<"$entry"
  [ -n "$ONLY" ] && [[ ",$ONLY," != *",$h,"* ]] && continue
  variants=0
  [ -d "$REPO/testdata/$h/managed" ] && variants="0 1"
  for m in $variants; do
    for f in $folders; do
      label="$h"; [ "$f" != . ] && label="$h --project ~/$f"; [ "$m" = 1 ] && label="$label (managed)"
      for v in "$@"; do
        o="$OUT/$h/$m/$(printf '%s' "$f" | tr '/.' '__')/$v"
        if [ "$m" = 1 ]; then
          unshare -m --propagation private bash "$SELF" --ns-case "$h" "$f" "$v" "$o" 1
        else
          bash "$SELF" --case "$h" "$f" "$v" "$o" 0
        fi
      done
      RUNS+=("$label|$what|$f|$OUT/$h/$m/$(printf '%s' "$f" | tr '/.' '__')")
    done
  done
done

python3 - "$PORT" "$@" -- "${RUNS[@]}" <<'EOF'
import json, os, re, sys
args = sys.argv[1:]
port = args.pop(0)
split = args.index("--")
releases, runs = args[:split], args[split + 1:]
LOADED = {"ok", "refreshes", "needs-login", "no-token", "skipped", "fails-to-connect",
          "static-auth", "not-oauth", "unknown"}

def list_line(text, name):
    for line in text.splitlines():
        if line.startswith(name + ": ") and not line.startswith("  "):
            return line[len(name) + 2:]
    return None

def status(line):
    if line is None:
        return "absent"
    tail = line.rsplit(" - ", 1)[-1]
    for word, cls in (("Pending approval", "pending"), ("Disabled", "disabled"),
                      ("Needs authentication", "loaded"), ("Connected", "loaded"),
                      ("Failed to connect", "loaded"), ("Connection error", "loaded")):
        if word in tail:
            return cls
    return "loaded"

def get_line(path):
    try:
        text = open(path).read()
    except OSError:
        return ""
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("Status:") or "No MCP server" in s or "not found" in s.lower():
            return s
    return text.strip().splitlines()[0] if text.strip() else ""

def for_folder(scope, folder):
    """Whether a definition in `scope` is one Claude Code reads in `folder` (relative to the home)."""
    if scope.startswith("project:~"):
        d = os.path.dirname(scope[len("project:~"):]).strip("/")
        return d == "" or folder == d or folder.startswith(d + "/")
    if scope.startswith("local:~"):
        return scope[len("local:~"):].strip("/") == folder
    return True

def judge(s, release, line, get, folder):
    """(agree?, why) for our server `s` against the client's list line and get line."""
    v, expl = s["verdict"], s.get("explanation", "")
    if not any(for_folder(sc, folder) for sc in s["scopes"]):
        return None, "n/a: defined for another folder only"

    cls = status(line)
    url = (s.get("url") or "")
    old = release == "2.1.100"
    if v in LOADED:
        return cls == "loaded" and (line is None or url == "" or url in line), "loaded"
    if v == "shadowed":
        return cls == "loaded" and url not in (line or ""), "another definition is listed"
    if v == "disabled" and expl.startswith("Disabled for this project"):
        if old:
            return None, "n/a: 2.1.100's list ignores disabledMcpServers (sessions honour it)"
        return cls == "disabled", "⊘ Disabled"
    if v == "not-approved":
        if old:
            return None, "n/a: 2.1.100's list approves every .mcp.json server"
        return cls == "pending", "⏸ Pending approval"
    if v == "rejected":
        ok = cls == "absent" and (old or "Rejected" in get)
        return ok, "absent (get: Rejected)"
    # disabled plugin, denied, suppressed, invalid, ignored: not loaded at all
    return cls == "absent", "absent"

def short(text, n=58):
    text = (text or "").replace("http://127.0.0.1:%s/" % port, "")
    return text if len(text) <= n else text[: n - 1] + "…"

rows, agree, disagree, na = [], 0, 0, 0
for run in runs:
    label, what, folder, base = run.split("|", 3)
    folder = "" if folder == "." else folder.strip("/")
    per = {}
    for r in releases:
        d = os.path.join(base, r)
        try:
            doc = json.load(open(os.path.join(d, "doctor.json")))
        except (OSError, ValueError):
            doc = {"servers": []}
        lst = open(os.path.join(d, "list.txt")).read() if os.path.exists(os.path.join(d, "list.txt")) else ""
        per[r] = (doc, lst, d)
    names = []
    for r in releases:
        for s in per[r][0]["servers"]:
            key = (s["name"], tuple(s["scopes"]))
            if key not in names:
                names.append(key)
    rows.append(("## " + label, what))
    for name, scopes in names:
        verdicts, lines, marks = [], [], []
        for r in releases:
            doc, lst, d = per[r]
            s = next((x for x in doc["servers"] if x["name"] == name and tuple(x["scopes"]) == scopes), None)
            line = list_line(lst, name)
            get = get_line(os.path.join(d, "get-" + re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".txt"))
            shown = (line if line is not None else "(not listed)")
            if get and (line is None or "Status" not in get):
                shown += " | get: " + get
            lines.append(short(shown))
            if s is None:
                verdicts.append("-")
                marks.append("?")
                continue
            verdicts.append(s["verdict"])
            ok, why = judge(s, r, line, get, folder)
            if ok is None:
                na += 1
                marks.append("n/a")
            elif ok:
                agree += 1
                marks.append("yes")
            else:
                disagree += 1
                marks.append("NO (want " + why + ")")
        ours = verdicts[0] if len(set(verdicts)) == 1 else " / ".join(verdicts)
        rows.append((name + " [" + ",".join(scopes) + "]", ours, *lines, "; ".join(marks)))

head = ("server", "our verdict" + (" (" + " / ".join(releases) + ")" if len(releases) > 1 else ""),
        *[r + "'s `mcp list` line" for r in releases], "agree?")
print("| " + " | ".join(head) + " |")
print("|" + "---|" * len(head))
for row in rows:
    if row[0].startswith("## "):
        print("| **" + row[0][3:] + "** (" + row[1] + ") |" + " |" * (len(head) - 1))
    else:
        print("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
print()
print("agree: %d, disagree: %d, not the same question (n/a): %d" % (agree, disagree, na))
EOF
