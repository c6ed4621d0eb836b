"""``python -m benchmarks``: run every benchmark, print its table, exit 1 if a target is missed."""

from __future__ import annotations

import sys

from benchmarks import (
    bench_analysis,
    bench_expect,
    bench_fleet,
    bench_lab_render,
    bench_load,
    bench_monitor,
    bench_monitor_live,
    bench_promote,
    bench_quality,
    bench_run,
    bench_server_import,
    bench_worker,
)


def main() -> int:
    ok = True
    for module in (
        bench_analysis, bench_server_import, bench_quality, bench_expect, bench_run, bench_promote,
        bench_fleet, bench_monitor, bench_monitor_live, bench_worker,
        bench_load,  # last and longest: a burst of runs (BENCH_LOAD_RUNS, 1,000 by default)
    ):  # fmt: skip
        text, passed = module.run()
        print(text)
        ok = ok and passed
    if bench_lab_render.available():
        text, passed = bench_lab_render.run()
        print(text)
        ok = ok and passed
    else:
        print(
            f"### Lab panel graph render\n\nskipped: no chromium at {bench_lab_render.CHROMIUM}\n"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
