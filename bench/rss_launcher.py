#!/usr/bin/env python3
"""Start commands and report their peak resident memory, from a process that stays small.

Linux carries a parent's peak resident memory into a child it starts (exec records the old address
space's high-water mark), so a benchmark that has just generated a 50 MB mail would see its own peak in
the figure of the process it measures. bench/suite.py starts this launcher first, while it is small, and
asks it to run each measured command: one JSON line in ({"argv", "cwd"}), one out ({"rc", "maxrss", "stderr"}).
"""

import json
import os
import subprocess
import sys

for line in sys.stdin:
    req = json.loads(line)
    proc = subprocess.Popen(req["argv"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=req["cwd"],
                            env={**os.environ, **req.get("env", {})})
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.stderr.close()
    sys.stdout.write(json.dumps({"rc": os.waitstatus_to_exitcode(status), "maxrss": usage.ru_maxrss * 1024,
                                 "stderr": err.decode(errors="replace")[-20000:]}) + "\n")
    sys.stdout.flush()
