"""jupyter-promote: from a tagged notebook to a scheduled, quality-gated Prefect deployment."""

from __future__ import annotations

from typing import Any

from jupyter_promote._version import __version__

__all__ = ["__version__", "expect", "load_ipython_extension", "record_read", "run_release"]


def __getattr__(name: str) -> Any:
    # ``run_release`` is what every release's generated ``flow.py`` calls: a stable public
    # name, whatever module implements it; loaded on use (it imports Prefect).
    if name == "run_release":
        from jupyter_promote.execution.flow import run_release

        return run_release
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """The Jupyter Server extension (the lab panel's REST API): :mod:`.frontends.server`."""
    from jupyter_promote.frontends.server import PromoteExtension

    return [{"module": "jupyter_promote.frontends.server", "app": PromoteExtension}]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext jupyter_promote``: registers ``%expect``."""
    from jupyter_promote.frontends.ipython.magics import load

    load(ipython)


def expect(
    variable: str,
    *checks: Any,
    severity: str = "error",
    step: str | None = None,
    namespace: dict[str, Any] | None = None,
) -> Any:
    """Check expectations on a live DataFrame now and record them: ``%expect`` for code.

    Args:
        variable: Name of the DataFrame variable (as the pipeline's steps define it).
        *checks: Shorthand predicates (``"amount between 0 and 5_000_000"``) or Great
            Expectations 1.x expectation objects (``gxe.ExpectColumnValuesToBeUnique(...)``).
        severity: ``"error"`` (blocks the run) or ``"warn"``.
        step: Record under this step instead of the one that defines ``variable`` last.
        namespace: Where to find the variable (default: the IPython user namespace, else the
            caller's globals).

    Returns:
        The check results (``jupyter_promote.expectations.gx.CheckResult`` list).

    Example:
        >>> import jupyter_promote as jp  # doctest: +SKIP
        >>> jp.expect("loans_clean", "loan_id unique, not null",  # doctest: +SKIP
        ...           "rows >= 1000", severity="warn")
    """
    import inspect

    from jupyter_promote.expectations import ExpectationConfig, parse_expect_line
    from jupyter_promote.services.expect import SESSION

    if namespace is None:
        namespace = _user_namespace() or inspect.currentframe().f_back.f_globals  # type: ignore[union-attr]
    configs: list[ExpectationConfig] = []
    for check in checks:
        if isinstance(check, str):
            configs += parse_expect_line(f"{variable}: {check} --severity {severity}")[1]
        else:  # a Great Expectations expectation object
            data = check.configuration.to_json_dict()
            configs.append(
                ExpectationConfig(
                    type=data["type"],
                    kwargs=data["kwargs"],
                    meta=data.get("meta") or {},
                    severity="critical" if severity == "error" else "warning",
                )
            )
    recorded = SESSION.record(variable, configs, namespace, step)
    if recorded.note:
        print(recorded.note)
    return recorded.results


def record_read(dataset: str, by: str | None = None) -> str:
    """Record that ``by`` (default: the user) read ``dataset``, so the pipeline writing it
    counts as used (``jupyter promote stale``). Returns the dataset's key.

    Args:
        dataset: A URL (``s3://lake/x.parquet``), a path, or ``sql:schema.table``.
        by: Who read it: a consumer's name, e.g. ``"ops-dashboard"``.
    """
    from jupyter_promote.services.reads import record_read as record

    return record(dataset, by=by)


def _user_namespace() -> dict[str, Any] | None:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return shell.user_ns if shell is not None else None
