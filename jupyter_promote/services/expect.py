"""Expectations while exploring: check a live DataFrame now and record the expectation in the
notebook's metadata, under the step that defines the variable.

Runs inside the kernel (the data never leaves it). Used by the ``%expect`` magic and by the
plain-Python API :func:`jupyter_promote.expect`. The notebook file is found the way Jupyter
exposes it to the kernel; when it cannot be found, expectations stay in this kernel session
until :meth:`ExpectSession.save` is given a path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_promote.analysis.pipeline import analyze_notebook
from jupyter_promote.errors import PromoteError
from jupyter_promote.expectations import (
    ExpectationConfig,
    add_expectations,
    all_expectations,
    parse_expect_line,
    read_expectations,
    remove_expectation,
)
from jupyter_promote.util.files import atomic_write_text

METADATA_MIME = "application/vnd.jupyter-promote.expectations+json"
# Set in the kernel's namespace by the JupyterLab extension: that frontend applies ``%expect``
# outputs to the open notebook, so the magic leaves the file alone (writing it under an open
# document makes JupyterLab ask "overwrite or revert?" on the next save).
LAB_MARKER = "__jupyter_promote_lab__"


def frontend_applies(namespace: dict[str, Any]) -> bool:
    """True when the kernel's frontend applies ``%expect`` outputs to the open notebook."""
    return namespace.get(LAB_MARKER) is True


class ExpectationTargetError(PromoteError):
    """The expectation cannot be placed: unknown variable, or no step defines it."""

    http_status = 422


@dataclass
class Recorded:
    """What one ``%expect`` did."""

    variable: str
    step: str | None
    configs: list[ExpectationConfig]
    results: list[Any]
    notebook: str | None
    saved: bool
    note: str = ""
    #: not written: the open notebook in JupyterLab takes the change (see ``LAB_MARKER``)
    for_open_notebook: bool = False


@dataclass
class ExpectSession:
    """Per-kernel state: where the notebook is, and expectations not saved yet."""

    notebook: str | None = None
    pending: list[tuple[str, str, list[ExpectationConfig]]] = field(default_factory=list)

    # -- where is the notebook? ------------------------------------------------------------
    def find_notebook(self, namespace: dict[str, Any]) -> str | None:
        """The notebook file of this kernel: set explicitly, else what Jupyter tells kernels.

        Order: :meth:`set_notebook`, ``JUPYTER_PROMOTE_NOTEBOOK`` (set by our runs),
        ``__vsc_ipynb_file__`` (VS Code), ``JPY_SESSION_NAME`` (Jupyter Server / JupyterLab),
        ``PAPERMILL_INPUT_PATH`` (papermill ``--inject-input-path``).
        """
        candidates = [
            self.notebook,
            os.environ.get("JUPYTER_PROMOTE_NOTEBOOK"),
            namespace.get("__vsc_ipynb_file__"),
            os.environ.get("JPY_SESSION_NAME"),
            namespace.get("PAPERMILL_INPUT_PATH"),
        ]
        for candidate in candidates:
            if candidate and str(candidate).endswith(".ipynb") and Path(candidate).is_file():
                return str(Path(candidate).resolve())
        return None

    def set_notebook(self, path: str) -> str:
        """Use ``path`` as this kernel's notebook from now on (and save pending expectations)."""
        if not Path(path).is_file():
            raise ExpectationTargetError(
                f"notebook {path!r} does not exist", hint="give the path of this notebook's file"
            )
        self.notebook = str(Path(path).resolve())
        return self.notebook

    # -- the operations --------------------------------------------------------------------
    def expect(
        self, line: str, namespace: dict[str, Any], step: str | None = None, write: bool = True
    ) -> Recorded:
        """Parse a ``%expect`` line, check it against the live variable, record it (``write``
        False: validate the change but leave the file to the frontend that shows the output).

        Raises:
            ExpectationSyntaxError: the line does not parse.
            ExpectationTargetError: the variable does not exist.
            NotADataFrame / UnknownColumn / InvalidExpectation: nothing is recorded.
        """
        variable, configs = parse_expect_line(line)
        return self.record(variable, configs, namespace, step, write)

    def record(
        self,
        variable: str,
        configs: list[ExpectationConfig],
        namespace: dict[str, Any],
        step: str | None = None,
        write: bool = True,
    ) -> Recorded:
        """Check ``configs`` on ``namespace[variable]`` now, then record them."""
        from jupyter_promote.expectations import gx as quality

        frame = lookup_variable(namespace, variable)
        for config in configs:
            quality.validate_config(config)
        results = quality.check_frame(frame, variable, configs, step=step)
        if os.environ.get("JUPYTER_PROMOTE_RUN"):
            note = "pipeline run: checked, not recorded (the run's quality gates enforce it)"
            return Recorded(variable, step, configs, results, None, False, note)
        notebook = self.find_notebook(namespace)
        if notebook is None:
            self.pending.append((step or "", variable, configs))
            note = (
                "this kernel does not know its notebook file, so the expectation is kept in the"
                " kernel session: run `%expect --save PATH.ipynb` to write it to the notebook"
            )
            return Recorded(variable, step, configs, results, None, False, note)
        target = step or self.step_of(notebook, variable)
        _change(notebook, lambda nb: add_expectations(nb, target, variable, configs), write)
        return Recorded(
            variable, target, configs, results, notebook, write, for_open_notebook=not write
        )

    def step_of(self, notebook: str, variable: str) -> str:
        """The step an expectation on ``variable`` belongs to: the last step (in run order)
        that defines or changes it, i.e. where the variable reaches its final state.

        Raises:
            ExpectationTargetError: no step defines the variable.
        """
        from jupyter_promote.analysis.notebook import read_notebook

        spec = analyze_notebook(read_notebook(notebook).nb, notebook)
        ordered = [spec.step(n) for n in spec.order] or spec.steps
        owners = [s.name for s in ordered if variable in s.defines]
        if not owners:
            raise ExpectationTargetError(
                f"no step of {Path(notebook).name} defines {variable!r}",
                hint="define it in a step (not a skip cell), or pass the step: "
                f"%expect --step NAME {variable}: ...",
            )
        return owners[-1]

    def save(self, path: str | None, namespace: dict[str, Any]) -> int:
        """Write expectations kept in the session to the notebook; returns how many."""
        if path:
            self.set_notebook(path)
        notebook = self.find_notebook(namespace)
        if notebook is None:
            raise ExpectationTargetError(
                "this kernel does not know its notebook file",
                hint="pass it: %expect --save path/to/notebook.ipynb",
            )
        count = 0
        while self.pending:
            step, variable, configs = self.pending.pop(0)
            target = step or self.step_of(notebook, variable)
            _change(
                notebook, lambda nb, t=target, v=variable, c=configs: add_expectations(nb, t, v, c)
            )
            count += len(configs)
        return count

    def listing(self, namespace: dict[str, Any], variable: str | None = None) -> list[str]:
        """Lines ``[step] variable #i: expectation (severity)`` of the recorded expectations."""
        notebook = self.find_notebook(namespace)
        lines = []
        if notebook:
            nb = _read(notebook)
            for step, var, index, config in all_expectations(nb):
                if variable in (None, var):
                    lines.append(f"[{step}] {var} #{index}: {config.describe()} ({config.level})")
        for _step, var, configs in self.pending:
            if variable in (None, var):
                lines += [f"[unsaved] {var}: {c.describe()} ({c.level})" for c in configs]
        return lines

    def remove(self, namespace: dict[str, Any], variable: str, index: int | None) -> int:
        """Remove expectation ``index`` (or all) of ``variable``; returns how many were removed."""
        notebook = self.find_notebook(namespace)
        if notebook is None:
            before = len(self.pending)
            self.pending = [p for p in self.pending if p[1] != variable]
            return before - len(self.pending)
        nb = _read(notebook)
        steps = [s for s, suites in read_expectations(nb).items() if variable in suites]
        if not steps:
            raise ExpectationTargetError(
                f"{variable!r} has no recorded expectations", hint="see %expect --list"
            )
        removed: list[ExpectationConfig] = []
        _change(
            notebook, lambda nb: removed.extend(remove_expectation(nb, steps[0], variable, index))
        )
        return len(removed)


def lookup_variable(namespace: dict[str, Any], variable: str) -> Any:
    if variable not in namespace:
        import difflib

        frames = [k for k, v in namespace.items() if type(v).__name__ == "DataFrame"]
        close = difflib.get_close_matches(variable, frames, n=1)
        raise ExpectationTargetError(
            f"no variable {variable!r} in this kernel"
            + (f' (did you mean "{close[0]}"?)' if close else ""),
            hint="run the cell that creates it first"
            + (f"; DataFrames here: {', '.join(sorted(frames))}" if frames else ""),
        )
    return namespace[variable]


def _change(notebook: str, change: Any, write: bool = True) -> None:
    """Apply ``change`` to the notebook read from disk and write it back atomically (``write``
    False: only to that copy in memory, which still raises what writing would)."""
    import nbformat

    nb = _read(notebook)
    change(nb)
    if write:
        atomic_write_text(notebook, nbformat.writes(nb))


def _read(notebook: str) -> Any:
    # nbformat here, not at the top: ``%load_ext`` imports this module in the user's kernel,
    # and nbformat's jsonschema costs seconds there (rfc3987_syntax, which only jupyter-
    # promote's own processes may skip)
    import nbformat

    return nbformat.read(notebook, as_version=4)


SESSION = ExpectSession()
