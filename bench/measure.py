#!/usr/bin/env python3
"""measure.py: runs a command and prints its wall-clock seconds, peak resident memory (KiB)
and CPU seconds (user + system) as "SECONDS MAXRSS_KIB CPU_SECONDS", for the benchmarks.
Usage: measure.py CMD [ARG...]"""
import os
import sys
import time

start = time.monotonic()
pid = os.fork()
if pid == 0:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
elapsed = time.monotonic() - start
if os.waitstatus_to_exitcode(status) != 0:
    sys.exit(f"measure.py: {' '.join(sys.argv[1:])} failed")
print(f"{elapsed:.2f} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime:.2f}")
