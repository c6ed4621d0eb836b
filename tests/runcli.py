"""Run the installed `jupyter promote` command as a user would (a real subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JUPYTER = Path(sys.executable).with_name("jupyter")


def promote(*args: str, cwd: Path | str = ROOT, env: dict[str, str] | None = None, timeout=300):
    """``jupyter promote ARGS``; ``env`` entries are added to (None values removed from) ours."""
    full_env = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    return subprocess.run(
        [str(JUPYTER), "promote", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env=full_env,
    )
