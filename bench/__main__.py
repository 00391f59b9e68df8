"""`python -m bench` (`make bench`): run every bench/bench_*.py, in name order, each in its own interpreter from the
repository root, printing a header and its figures. A script that fails prints its error and the others still
run; the exit status is non-zero if any failed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    scripts = sorted((ROOT / "bench").glob("bench_*.py"))
    if argv:  # `python -m bench api routing` runs bench_api.py and bench_routing.py only
        wanted = {name.removeprefix("bench_").removesuffix(".py") for name in argv}
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in wanted]
    failed: list[str] = []
    for script in scripts:
        name = script.relative_to(ROOT)
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        # The handlers' CloudWatch metric lines (EMF on stdout) would drown the figures.
        env = {**os.environ, "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING"}
        result = subprocess.run(
            [sys.executable, str(name)], cwd=ROOT, capture_output=True, text=True, env=env
        )
        elapsed = time.perf_counter() - started
        if result.stdout:
            print(result.stdout, end="" if result.stdout.endswith("\n") else "\n")
        if result.returncode != 0:
            failed.append(str(name))
            error = result.stderr.strip().splitlines()
            print(f"!! {name} failed (exit {result.returncode}) after {elapsed:.1f} s:")
            for line in error[-20:]:
                print(f"!!   {line}")
        else:
            print(f"-- {name}: {elapsed:.1f} s")
        print(flush=True)
    if failed:
        print(f"{len(failed)} of {len(scripts)} benchmarks failed: {', '.join(failed)}")
        return 1
    print(f"{len(scripts)} benchmarks ran")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
