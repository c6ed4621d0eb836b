"""``python -m benchmarks``: run every benchmark, print its table, exit 1 if a target is missed."""

from __future__ import annotations

import sys

from benchmarks import (
    bench_analysis,
    bench_promote,
    bench_quality,
    bench_run,
    bench_server_import,
)


def main() -> int:
    ok = True
    for module in (bench_analysis, bench_server_import, bench_quality, bench_run, bench_promote):
        text, passed = module.run()
        print(text)
        ok = ok and passed
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
