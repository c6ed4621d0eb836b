"""Without Prefect in the environment, the surfaces say so and name the extra to install
(a plain `pip install jupyter-promote` next to JupyterLab), never "no Prefect server"."""

from __future__ import annotations

import subprocess
import sys

from nbbuild import make_nb, write_nb

# Hide Prefect the way an environment without it looks to importlib, then run the CLI.
WITHOUT_PREFECT = (
    "import sys; sys.modules['prefect'] = None; "
    "from jupyter_promote.frontends.cli.main import main; sys.exit(main(sys.argv[1:]))"
)


def cli_without_prefect(*args: str, cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_PREFECT, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_up_names_the_server_extra(tmp_path):
    result = cli_without_prefect("up", "--project-dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(
        "error: Prefect is not installed here, so `jupyter promote up` (the embedded Prefect"
        " server) cannot work; pip install 'jupyter-promote[server]' in this environment"
    )
    assert not (tmp_path / ".jupyter-promote").exists()  # nothing started, nothing written


def test_run_and_promote_name_the_run_extra(tmp_path):
    path = write_nb(tmp_path / "nb.ipynb", make_nb(("step:a", "x = 1")))
    for command in (["run", path], ["promote", path, "--name", "a", "--owner", "ana"]):
        result = cli_without_prefect(*command, "--project-dir", str(tmp_path), cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        assert "Prefect is not installed here" in result.stderr
        assert "pip install 'jupyter-promote[run]'" in result.stderr
        assert "no Prefect server" not in result.stderr
    assert not (tmp_path / "pipelines").exists()


def test_check_works_without_prefect(tmp_path):
    path = write_nb(tmp_path / "nb.ipynb", make_nb(("step:a", "x = 1")))
    result = cli_without_prefect("check", path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "No problems found." in result.stdout
