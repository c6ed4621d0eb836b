"""The check service: the static check of a notebook (a file or an open, unsaved model) and the
reproducibility dry run in a fresh kernel (``check --execute``, the promotion's dry run).

Surfaces (CLI, IPython magics, REST handlers) parse input, call a function here and render what
it returns; they hold no logic of their own.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_promote.analysis.notebook import LoadedNotebook, from_dict, read_notebook
from jupyter_promote.analysis.pipeline import analyze_notebook
from jupyter_promote.analysis.spec import PipelineSpec
from jupyter_promote.errors import PromoteError
from jupyter_promote.util.naming import slug

if TYPE_CHECKING:
    from jupyter_promote.execution.flow import Progress
    from jupyter_promote.execution.report import RunOptions, RunReport
    from jupyter_promote.execution.run import PipelineRun


def check(path: str | Path, name: str | None = None) -> PipelineSpec:
    """Statically check a notebook and return its pipeline spec.

    Args:
        path: The notebook file.
        name: How to name the notebook in the spec and its messages (default: ``path``).

    Returns:
        The spec, with problems in ``spec.diagnostics`` (``spec.ok`` is False on errors).

    Raises:
        NotebookError: the file is missing, unreadable, invalid or not a Python notebook.

    Example:
        >>> spec = check("example_notebooks/loans.ipynb")  # doctest: +SKIP
        >>> spec.order  # doctest: +SKIP
        ['load', 'clean', 'features', 'allocation']
    """
    return _checked(read_notebook(path), name or str(path))


def check_model(raw: Any, name: str) -> PipelineSpec:
    """Statically check a notebook given as nbformat JSON data (an open, maybe unsaved model).

    Raises:
        NotebookError: the data is not a valid Python notebook.
    """
    return _checked(from_dict(raw, name), name)


def _checked(loaded: LoadedNotebook, name: str) -> PipelineSpec:
    spec = analyze_notebook(loaded.nb, name)
    spec.diagnostics = loaded.diagnostics + spec.diagnostics
    spec.diagnostics.sort(key=lambda d: 0 if d.severity == "error" else 1)
    return spec


def dry_run(
    path: str | Path,
    options: RunOptions,
    progress: Progress | None = None,
    save_to: str | Path | None = None,
    loaded: LoadedNotebook | None = None,
) -> tuple[PipelineSpec, RunReport]:
    """The reproducibility dry run: the whole pipeline in a fresh kernel with default
    parameters, no Prefect. Static errors do not stop it: running shows what they cause.

    Args:
        path: The notebook file (names the run; read unless ``loaded`` is given).
        options: Kernel, timeouts, working folder.
        progress: Hears each step start and end.
        save_to: Where to save the executed notebook (outputs, failing cell marked).
        loaded: The notebook already read (a promotion dry-runs exactly what it checked).

    Returns:
        The static spec and the run report (``report.ok`` False when a step failed;
        ``report.executed_notebook`` is where it was saved).
    """
    from jupyter_promote.execution.report import RunReport
    from jupyter_promote.execution.run import PipelineRun

    loaded = loaded or read_notebook(path)
    spec = _checked(loaded, str(path))
    if not spec.order:  # no steps or a cycle: nothing can run
        return spec, RunReport(pipeline=slug(Path(str(path)).stem), parameters={})
    with PipelineRun(spec, loaded.nb, {}, options) as run:
        _run_with_progress(run, progress)
        if save_to:
            run.save(save_to)
    return spec, run.report


def dry_run_notebook(runs_dir: str | Path, path: str | Path) -> Path:
    """Where a dry run of ``path`` saves its executed notebook: ``RUNS/dry-runs/STEM-STAMP``."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    return Path(runs_dir) / "dry-runs" / f"{Path(path).stem}-{stamp}.ipynb"


def _run_with_progress(run: PipelineRun, progress: Progress | None) -> None:
    try:
        run.run_prelude()
    except PromoteError:
        return
    total = len(run.spec.order)
    for number, name in enumerate(run.spec.order, 1):
        if progress:
            progress.step_started(number, total, name)
        try:
            run.run_step(name)
            if run.has_gate(name):
                run.run_gate(name)
        except PromoteError:
            return
        finally:
            if progress:
                progress.step_finished(number, total, run.report.step(name))
