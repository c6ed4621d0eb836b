"""The server's job manager: jobs run in threads; stopping the server fails the queued jobs,
stops a running dry run at its next step (its real kernel shut down) and refuses new jobs."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psutil
import pytest
from labserver import _kernels_in

from jupyter_promote.config import PromoteConfig
from jupyter_promote.frontends.server.jobs import JobManager, ServerStopping
from jupyter_promote.frontends.server.work import dry_run_work
from nbbuild import make_nb, write_nb


def wait_for(probe, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if probe():
            return
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {seconds} s")


def events(jobs, job_id):
    return [(e.step, e.state) for e in jobs.get(job_id).events]


def test_stopping_ends_a_running_dry_run_at_the_next_step_and_its_kernel(tmp_path):
    nb = make_nb(
        ("step:first", "import time\ntime.sleep(2)\na = 1"),
        ("step:second", "b = a + 1"),
    )
    path = Path(write_nb(tmp_path / "slow.ipynb", nb))
    jobs = JobManager(max_workers=1)
    config = PromoteConfig(project_dir=str(tmp_path))
    job = jobs.submit("dry-run", "slow.ipynb", dry_run_work(path, config, str(tmp_path)))
    wait_for(lambda: ("first", "started") in events(jobs, job.id))
    kernels = _kernels_in(tmp_path)
    assert len(kernels) == 1  # the dry run's own kernel, started in the notebook's folder

    jobs.shutdown(wait=60)

    ended = jobs.get(job.id)
    assert ended.state == "failed"
    assert ended.error.reason == "ServerStopping" and ended.error.status == 503
    assert "stopped the dry-run before step 'second'" in ended.error.message
    assert ("first", "completed") in events(jobs, job.id)  # the running step was not cut off
    assert ("second", "started") not in events(jobs, job.id)
    _, alive = psutil.wait_procs(kernels, timeout=15)
    assert alive == [], "the dry run's kernel outlived the stop"


def test_stopping_fails_queued_jobs_and_refuses_new_ones():
    jobs = JobManager(max_workers=1)
    release = threading.Event()

    def blocking(progress):
        release.wait(30)
        return {"ok": True}

    running = jobs.submit("dry-run", "a.ipynb", blocking)
    queued = jobs.submit("dry-run", "b.ipynb", lambda progress: {"ok": True})
    wait_for(lambda: jobs.get(running.id).state == "running")

    jobs.shutdown()

    dropped = jobs.get(queued.id)
    assert dropped.state == "failed" and dropped.error.reason == "ServerStopping"
    assert "stopped before the job started" in dropped.error.message
    with pytest.raises(ServerStopping, match="the Jupyter server is stopping"):
        jobs.submit("dry-run", "c.ipynb", lambda progress: {})
    release.set()  # a job that never reaches a step boundary finishes as it would have
    wait_for(lambda: jobs.get(running.id).state == "succeeded")
