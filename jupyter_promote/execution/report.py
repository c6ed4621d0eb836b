"""How a run executes and what it reports: the data every surface shows (no kernel, no Prefect)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

StepStatus = Literal["completed", "failed", "not run"]


@dataclass
class RunOptions:
    """How a run executes; every field is recorded with the run."""

    kernel: str | None = None
    cwd: str | None = None
    cell_timeout: float | None = None
    step_timeout: float | None = None
    retries: int = 0
    retry_delay: float = 0.0


@dataclass
class StepResult:
    """What happened to one step."""

    name: str
    status: StepStatus = "not run"
    seconds: float = 0.0
    attempts: int = 0
    error: str = ""
    checks: str = ""  # quality gate summary, e.g. "4 passed, 1 failed (0 blocking)"


@dataclass
class RunReport:
    """The outcome of a whole run."""

    pipeline: str
    parameters: dict[str, Any]
    steps: list[StepResult] = field(default_factory=list)
    prelude_seconds: float = 0.0
    kernel_start_seconds: float = 0.0
    executed_notebook: str = ""
    error: str = ""
    quality: list[dict[str, Any]] = field(default_factory=list)  # one row per checked expectation
    #: What stopped the run, for the monitor: ``kind`` (failed, gate-failed or crashed),
    #: ``step``, ``cell`` and, for a gate, ``expectation``, ``variable`` and ``observed``.
    failure: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.error

    def step(self, name: str) -> StepResult:
        return next(s for s in self.steps if s.name == name)
