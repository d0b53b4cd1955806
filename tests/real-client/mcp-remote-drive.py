#!/usr/bin/env python3
"""Drive one mcp-remote process over stdio: send MCP `initialize`, wait for its answer, copy the
config folder while the process still runs (so its lock file, if any, is caught), then close stdin
and copy the folder again after it exits.

usage: mcp-remote-drive.py OUT_DIR CONFIG_DIR -- COMMAND...

Writes OUT_DIR/running/ (copy while alive), OUT_DIR/after/ (copy after exit), OUT_DIR/stderr.txt,
OUT_DIR/initialize.json (the answer) and OUT_DIR/pid. Part of tests/real-client: never run by CI.
"""
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path


def copy_config(config_dir: Path, dst: Path) -> None:
    if dst.exists():
        shutil.rmtree(dst)
    if config_dir.exists():
        shutil.copytree(config_dir, dst, symlinks=True)
    else:
        dst.mkdir(parents=True)


def main() -> int:
    sep = sys.argv.index("--")
    out, config_dir = Path(sys.argv[1]), Path(sys.argv[2])
    command = sys.argv[sep + 1:]
    out.mkdir(parents=True, exist_ok=True)
    stderr = open(out / "stderr.txt", "wb")
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr)
    (out / "pid").write_text(f"{proc.pid}\n")
    answer = {}

    def read_answer() -> None:
        for line in proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if msg.get("id") == 1:
                answer.update(msg)
                return

    reader = threading.Thread(target=read_answer, daemon=True)
    reader.start()
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "mcp-remote-capture", "version": "0"}}}
    proc.stdin.write((json.dumps(init) + "\n").encode())
    proc.stdin.flush()
    reader.join(timeout=60)
    (out / "initialize.json").write_text(json.dumps(answer, indent=2) + "\n")
    time.sleep(0.5)
    copy_config(config_dir, out / "running")
    proc.stdin.close()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.terminate()
        proc.wait(timeout=5)
    copy_config(config_dir, out / "after")
    print(f"{out}: initialize {'answered' if answer.get('result') else 'NOT answered'}, exit {proc.returncode}")
    return 0 if answer.get("result") else 1


if __name__ == "__main__":
    sys.exit(main())
