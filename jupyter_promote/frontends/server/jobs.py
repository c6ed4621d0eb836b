"""Long operations of the lab panel (dry run, promotion) in worker threads, kept in memory.

A job runs in a ``ThreadPoolExecutor`` (2 workers) so the server's IOLoop never waits for a
kernel or Prefect. Each worker thread runs without the submitting thread's context: nbclient's
synchronous API (jupyter_core ``run_sync``) then creates the thread's own event loop instead of
finding the server's. Progress arrives through :class:`JobProgress` as events the panel polls.
The job models (pydantic) are imported by the first job, not when the server loads the extension.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from jupyter_promote.errors import PromoteError

if TYPE_CHECKING:
    from jupyter_promote.execution.report import StepResult
    from jupyter_promote.frontends.server.models import Job, JobError

log = logging.getLogger(__name__)
KEEP_FINISHED = 100  # finished jobs kept for polling; older ones are forgotten


class JobNotFound(PromoteError):
    """No job has that id (never started, or forgotten after the server restarted)."""

    http_status = 404


class ServerStopping(PromoteError):
    """The Jupyter server is stopping: no new job starts, running ones stop at a step's end."""

    http_status = 503


def error_of(exc: BaseException) -> JobError:
    """A job's error from an exception: a PromoteError keeps its status, message and hint."""
    from jupyter_promote.frontends.server.models import JobError

    if isinstance(exc, PromoteError):
        return JobError(
            status=exc.http_status,
            message=exc.message,
            hint=exc.hint or None,
            reason=type(exc).__name__,
            details=exc.details or None,
        )
    return JobError(
        status=500,
        message=f"internal error ({type(exc).__name__}); see the Jupyter server log",
        hint=None,
        reason="InternalError",
        details=None,
    )


class JobProgress:
    """A job's event log; also the ``flow.Progress`` of a dry run (steps started and finished)."""

    def __init__(self, job: Job, lock: threading.Lock, stopping: threading.Event) -> None:
        self._job = job
        self._lock = lock
        self._stopping = stopping
        self.current = ""  # the phase now running, marked failed if the job fails

    def event(self, step: str, state: str, message: str = "") -> None:
        """Append one event (``state``: started, completed, failed or skipped)."""
        from jupyter_promote.frontends.server.models import JobEvent

        stamp = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        with self._lock:
            self._job.events.append(
                JobEvent(time=stamp, step=step, state=state, message=message)  # type: ignore[arg-type]
            )
        self.current = step if state == "started" else ""

    def step_started(self, number: int, total: int, name: str) -> None:
        """Log the step; when the server is stopping, stop the run here instead (its kernel is
        shut down on the way out, and a promotion stops before writing anything)."""
        if self._stopping.is_set():
            raise ServerStopping(
                f"the Jupyter server stopped the {self._job.kind} before step {name!r}",
                hint="start it again once the server is back",
            )
        self.event(name, "started", f"step {number} of {total}")

    def step_finished(self, number: int, total: int, result: StepResult) -> None:
        state = {"completed": "completed", "failed": "failed"}.get(result.status, "skipped")
        parts = [f"{result.seconds:.1f} s"] if result.status != "not run" else []
        parts += [text for text in (result.checks, result.error) if text]
        self.event(result.name, state, "; ".join(parts))


Work = Callable[[JobProgress], dict[str, Any]]


class JobManager:
    """Starts jobs in worker threads and answers their state.

    Args:
        max_workers: Jobs running at once; more wait as ``queued``.
    """

    def __init__(self, max_workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers, thread_name_prefix="jupyter-promote-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._pipelines: dict[str, str] = {}  # pipeline name -> id of its running promotion
        self._futures: dict[str, Future[None]] = {}  # job id -> its future, until it ends
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def submit(self, kind: str, path: str, work: Work, pipeline: str | None = None) -> Job:
        """Queue ``work``; a promotion of a pipeline already being promoted is refused.

        Raises:
            ReleaseBusy: another promotion of ``pipeline`` is queued or running.
            ServerStopping: the server is shutting down.
        """
        from jupyter_promote.frontends.server.models import Job
        from jupyter_promote.release.store import ReleaseBusy

        job = Job(
            id=uuid.uuid4().hex[:12],
            kind=kind,  # type: ignore[arg-type]
            path=path,
            state="queued",
            events=[],
            result=None,
            error=None,
        )
        with self._lock:
            if self._stopping.is_set():
                raise ServerStopping(
                    "the Jupyter server is stopping", hint="start the job once it is back"
                )
            if pipeline is not None:
                if pipeline in self._pipelines:
                    raise ReleaseBusy(
                        f"another promotion of {pipeline!r} is in progress"
                        f" (job {self._pipelines[pipeline]})",
                        hint="wait for it to finish, then promote again",
                        details={"job": self._pipelines[pipeline]},
                    )
                self._pipelines[pipeline] = job.id
            self._jobs[job.id] = job
            self._forget_old()
            self._futures[job.id] = self._pool.submit(self._run, job, work, pipeline)
        return job

    def get(self, job_id: str) -> Job:
        """A snapshot of the job (safe to serialize while it runs).

        Raises:
            JobNotFound: no such job.
        """
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise JobNotFound(
                    f"no job {job_id!r}",
                    hint="jobs live in the server's memory: start the operation again",
                )
            return job.model_copy(deep=True)

    def shutdown(self, wait: float = 0.0) -> None:
        """Stop: refuse new jobs, fail the queued ones, let running ones stop at their next step,
        and wait up to ``wait`` seconds for them (a step already running is not interrupted)."""
        self._stopping.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            futures = list(self._futures.values())
            dropped = ServerStopping(
                "the Jupyter server stopped before the job started",
                hint="start it again once the server is back",
            )
            for job in self._jobs.values():
                if job.state == "queued":
                    job.state, job.error = "failed", error_of(dropped)
        if wait > 0 and futures:
            concurrent.futures.wait(futures, timeout=wait)

    def _run(self, job: Job, work: Work, pipeline: str | None) -> None:
        from jupyter_promote.frontends.server.models import JobError

        progress = JobProgress(job, self._lock, self._stopping)
        with self._lock:
            job.state = "running"
        try:
            result, error = work(progress), None
        except Exception as exc:
            if not isinstance(exc, PromoteError):
                log.exception("jupyter-promote job %s (%s) crashed", job.id, job.kind)
            result, error = None, error_of(exc)
            if progress.current:
                progress.event(progress.current, "failed", error.message)
        with self._lock:
            job.result = result
            if error is None and result is not None and result.get("error") is not None:
                error = JobError.model_validate(result.pop("error"))
            job.error = error
            job.state = "failed" if error is not None else "succeeded"
            if pipeline is not None:
                self._pipelines.pop(pipeline, None)
            self._futures.pop(job.id, None)

    def _forget_old(self) -> None:
        finished = [k for k, j in self._jobs.items() if j.state in ("succeeded", "failed")]
        for key in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[key]


def report_result(report: Any) -> dict[str, Any]:
    """A dry run's report as the job result (``error`` set when a step failed)."""
    from jupyter_promote.frontends.server.models import JobError

    result: dict[str, Any] = {
        "ok": report.ok,
        "executed_notebook": report.executed_notebook or None,
        "steps": [asdict(step) for step in report.steps],
        "quality": list(report.quality),  # CheckResult dicts: the panel's "last result"
    }
    if not report.ok:
        result["error"] = JobError(
            status=422,
            message=f"the dry run in a fresh kernel failed: {report.error}",
            hint="fix the notebook, then run again (the executed notebook shows the failing cell)",
            reason="DryRunFailed",
            details=None,
        ).model_dump()
    return result
