#!/usr/bin/env python3
"""Runs a command (stdout to /dev/null) and appends its CPU time (user + system, ms) to OUT_FILE:
`rusage.py OUT_FILE CMD...`. getrusage via wait4 has microsecond resolution; /usr/bin/time
prints centiseconds, too coarse for a 3 ms run. posix_spawn, so no CPU is spent between fork
and exec. (Peak RSS comes from /usr/bin/time: a child spawned from this process inherits
Python's RSS in its high-water mark.)"""
import os
import shutil
import sys

out, cmd = sys.argv[1], sys.argv[2:]
devnull = os.open(os.devnull, os.O_WRONLY)
pid = os.posix_spawn(
    shutil.which(cmd[0]) or cmd[0], cmd, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)]
)
_, _, usage = os.wait4(pid, 0)
with open(out, "a") as f:
    f.write(f"{1000 * (usage.ru_utime + usage.ru_stime):.3f}\n")
