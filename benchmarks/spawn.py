"""A small process that starts the measured commands, so their peak RSS is their own.

Linux carries a process's peak RSS across fork and exec: a child forked from the
benchmark (which holds the generated notebooks in memory) would report the benchmark's
size as its own peak. This helper runs with ``python -I -S`` and only the standard
library, so it is smaller than any measured Python process.

Protocol (JSON lines): in ``{"argv": [...], "env": {...}, "stderr": path}``, out
``{"seconds": s, "peak_bytes": n, "exit_code": c}``.
"""

import json
import os
import sys
import time

MAXRSS_UNIT = 1 if sys.platform == "darwin" else 1024


def run(argv, env, stderr):
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
    ]
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_bytes": usage.ru_maxrss * MAXRSS_UNIT,
            "exit_code": os.waitstatus_to_exitcode(status)}


def main():
    for line in sys.stdin:
        request = json.loads(line)
        print(json.dumps(run(request["argv"], request["env"], request["stderr"])), flush=True)


if __name__ == "__main__":
    main()
