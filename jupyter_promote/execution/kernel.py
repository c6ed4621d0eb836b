"""The kernel owner: executes chosen notebook cells, one at a time, in one live kernel.

Built on nbclient (the machinery papermill uses): outputs are recorded into the notebook as
Jupyter would, stream output is forwarded to a callback (the Prefect task log), and failures
become typed errors naming the step and cell. A kernel that dies or a cell that times out is
reported as such; the kernel is always shut down by :meth:`KernelSession.close`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from jupyter_promote.errors import PromoteError

OutputCallback = Callable[[int, str, str], None]  # (cell index, "stdout"|"stderr", text)
HIDDEN_CELL = -1  # index given to code run outside the notebook's cells
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class ExecutionError(PromoteError):
    """A cell could not be executed to the end."""

    http_status = 422


class CellFailed(ExecutionError):
    """The cell raised an exception."""

    def __init__(
        self, *, step: str | None, cell_index: int | None, ename: str, evalue: str, traceback: str
    ) -> None:
        super().__init__(
            f"{ename}: {evalue}",
            hint="fix the cell and run it again (the executed notebook shows the full traceback)",
            cell_index=cell_index,
            step=step,
            details={"ename": ename, "evalue": evalue, "traceback": traceback},
        )
        self.ename, self.evalue, self.traceback = ename, evalue, traceback

    @classmethod
    def from_error(
        cls, exc: CellExecutionError, *, step: str | None, cell_index: int | None
    ) -> CellFailed:
        """From nbclient's error (the kernel's exception name, value and traceback)."""
        return cls(
            step=step,
            cell_index=cell_index,
            ename=exc.ename,
            evalue=exc.evalue,
            traceback=strip_ansi(exc.traceback),
        )


class CellTimedOut(ExecutionError):
    """The cell ran longer than its cell or step time limit."""


class KernelDied(ExecutionError):
    """The kernel process ended while a cell was running (out of memory, segfault, killed)."""

    def location(self) -> str:
        return ""  # the message names the cell and step already


class KernelNotInstalled(ExecutionError):
    """No kernelspec of that name is installed."""

    http_status = 422


def strip_ansi(text: str) -> str:
    """Remove terminal colour codes from a traceback."""
    return _ANSI.sub("", text)


#: Run hidden in a run's kernel before any cell (see :meth:`KernelSession.prepare`).
_PREPARE = """\
try:
    import jupyter_promote._startup as _jp_startup
except ImportError:
    pass
else:
    _jp_startup.lean_kernel()
    if {warm}:
        from jupyter_promote.expectations.gx.warm import warm as _jp_warm
        _jp_warm()
        del _jp_warm
    del _jp_startup
"""


class _Client(NotebookClient):
    """nbclient's client, forwarding stream output as it arrives."""

    on_output: OutputCallback | None = None

    def output(
        self, outs: list[Any], msg: dict[str, Any], display_id: str | None, cell_index: int
    ) -> Any:
        if self.on_output is not None and msg["msg_type"] == "stream" and cell_index >= 0:
            self.on_output(cell_index, msg["content"]["name"], msg["content"]["text"])
        return super().output(outs, msg, display_id, cell_index)


class KernelSession:
    """One kernel executing cells of one notebook, in the order asked.

    Args:
        nb: The notebook; its cells receive outputs as they run.
        kernel_name: Kernel to start (default: the notebook's kernelspec, else ``python3``).
        cwd: Working directory of the kernel.
        on_output: Called with (cell index, stream name, text) for stdout/stderr.
        startup_timeout: Seconds to wait for the kernel to be ready.
        env: Extra environment variables for the kernel process.

    Example:
        >>> with KernelSession(nb) as kernel:  # doctest: +SKIP
        ...     kernel.run_cell(3, step="load", timeout=60)
    """

    def __init__(
        self,
        nb: nbformat.NotebookNode,
        *,
        kernel_name: str | None = None,
        cwd: str | None = None,
        on_output: OutputCallback | None = None,
        startup_timeout: float = 60,
        env: dict[str, str] | None = None,
    ) -> None:
        self.nb = nb
        self.env = env
        self.kernel_name = kernel_name or (nb.metadata.get("kernelspec") or {}).get(
            "name", "python3"
        )
        self.cwd = cwd
        self.client = _Client(
            nb,
            kernel_name=self.kernel_name,
            startup_timeout=int(startup_timeout),
            interrupt_on_timeout=True,
            record_timing=True,
            allow_errors=False,
            shutdown_kernel="immediate",
        )
        self.client.on_output = on_output
        self._stack = contextlib.ExitStack()
        self.started = False

    def __enter__(self) -> KernelSession:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the kernel.

        Raises:
            KernelNotInstalled: no kernelspec of that name.
            KernelDied: the kernel did not come up.
        """
        from jupyter_client.kernelspec import NoSuchKernel

        try:
            km = self.client.create_kernel_manager()
            # IPC sockets: local only, no TCP ports; an absolute path because the kernel's cwd
            # differs from ours.
            km.transport = "ipc"
            sockets = tempfile.mkdtemp(prefix="jupyter-promote-kernel-")
            self._stack.callback(shutil.rmtree, sockets, True)
            km.ip = os.path.join(sockets, "kernel")
            self.client.km = km
            extra = {"env": {**os.environ, **self.env}} if self.env else {}
            self._stack.enter_context(self.client.setup_kernel(cwd=self.cwd, **extra))
        except NoSuchKernel:
            raise KernelNotInstalled(
                f"the notebook's kernel {self.kernel_name!r} is not installed",
                hint="install it with `python -m ipykernel install --user --name "
                f"{self.kernel_name}` in the environment the notebook needs, or pass --kernel",
            ) from None
        except RuntimeError as exc:
            raise KernelDied(
                f"kernel {self.kernel_name!r} failed to start: {exc}",
                hint="check the kernel's environment (`jupyter kernelspec list`)",
            ) from None
        self.started = True

    def prepare(self, *, warm: bool) -> None:
        """In a Python kernel with jupyter-promote installed, before any cell: defer imports no
        cell asked for (:func:`jupyter_promote._startup.lean_kernel`) and, with ``warm``, start
        importing Great Expectations in a kernel thread (the first gate then waits only for
        what is left). Other kernels are left as they are."""
        spec = getattr(self.client.km, "kernel_spec", None)
        if getattr(spec, "language", "python").lower() != "python":
            return
        self.run_code(_PREPARE.format(warm=warm), step="setup", timeout=60)

    @property
    def pid(self) -> int | None:
        """The kernel's process id, while it runs."""
        km = self.client.km
        provisioner = getattr(km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        return getattr(process, "pid", None)

    def run_cell(
        self,
        index: int,
        *,
        step: str | None = None,
        timeout: float | None = None,
        report_as: int | None = None,
    ) -> nbformat.NotebookNode:
        """Execute ``nb.cells[index]`` in the kernel and record its outputs.

        Args:
            index: Cell index in ``self.nb``.
            step: Step the cell belongs to, for error messages.
            timeout: Seconds the cell may run (None: no limit).
            report_as: Cell index to name in errors (the user's notebook may differ from
                ``self.nb`` by an injected parameters cell). Default: ``index``.

        Raises:
            CellFailed: the cell raised; carries ename, evalue and the traceback.
            CellTimedOut: the time limit passed (the kernel was interrupted, and lives on).
            KernelDied: the kernel process ended.
        """
        try:
            return self._run(index, step, timeout)
        except ExecutionError as exc:
            if report_as is not None and exc.cell_index is not None:
                exc.cell_index = report_as
                exc.message = exc.message.replace(f"cell {index + 1}", f"cell {report_as + 1}")
            raise

    def _run(self, index: int, step: str | None, timeout: float | None) -> nbformat.NotebookNode:
        cell = self.nb.cells[index]
        cell.outputs = []
        self.client.timeout = None if timeout is None else max(1, round(timeout))
        start = time.perf_counter()
        try:
            return self.client.execute_cell(cell, index)
        except CellTimeoutError:
            raise self._timed_out(index, step, timeout) from None
        except DeadKernelError:
            raise self._died(index, step) from None
        except CellExecutionError as exc:
            if not self.alive():
                raise self._died(index, step) from None
            interrupted = exc.ename == "KeyboardInterrupt" and timeout is not None
            if interrupted and elapsed_since(start) >= self.client.timeout:
                raise self._timed_out(index, step, timeout) from None
            raise CellFailed.from_error(exc, step=step, cell_index=index) from None

    def run_code(
        self, code: str, *, step: str | None = None, timeout: float | None = None
    ) -> list[nbformat.NotebookNode]:
        """Execute code that is not part of the notebook (no history, no cell); its outputs.

        Raises:
            CellFailed / CellTimedOut / KernelDied: as :meth:`run_cell`, without a cell index.
        """
        cell = nbformat.v4.new_code_cell(code)
        self.client.timeout = None if timeout is None else max(1, round(timeout))
        # nbclient stores the executed cell back at its index of the client's notebook: give it
        # a scratch one, or the notebook's last cell (index -1) would become this code.
        notebook, self.client.nb = self.client.nb, nbformat.v4.new_notebook(cells=[cell])
        try:
            self.client.execute_cell(cell, HIDDEN_CELL, store_history=False)
        except DeadKernelError:
            raise KernelDied(
                f"kernel died while checking step {step!r}", hint="check memory use", step=step
            ) from None
        except CellExecutionError as exc:
            raise CellFailed.from_error(exc, step=step, cell_index=None) from None
        finally:
            self.client.nb = notebook
        return list(cell.outputs)

    def _timed_out(self, index: int, step: str | None, timeout: float | None) -> CellTimedOut:
        return CellTimedOut(
            f"the cell ran longer than its limit of {timeout:g} s and was interrupted",
            hint="make the cell faster or raise --cell-timeout / --step-timeout",
            cell_index=index,
            step=step,
        )

    def _died(self, index: int, step: str | None) -> KernelDied:
        where = f' of step "{step}"' if step else ""
        return KernelDied(
            f"kernel died while running cell {index + 1}{where}",
            hint="the kernel process ended (out of memory, a crash in native code, or killed);"
            " check memory use and the cell's code",
            cell_index=index,
            step=step,
        )

    def alive(self) -> bool:
        """Whether the kernel process still runs."""
        km = self.client.km
        if km is None:
            return False
        from jupyter_core.utils import run_sync

        return bool(run_sync(km.is_alive)())

    def close(self) -> None:
        """Shut the kernel down (idempotent)."""
        self._stack.close()
        self.started = False


def mark_failed(nb: nbformat.NotebookNode, index: int, error: PromoteError) -> None:
    """Mark the failing cell in an executed notebook the way papermill does: a red markdown
    cell before it and ``metadata.jupyter_promote.failed`` on it."""
    nb.cells[index].metadata.setdefault("jupyter_promote", {})["failed"] = True
    banner = nbformat.v4.new_markdown_cell(
        '<span style="color:red; font-family:monospace">'
        f"jupyter-promote: {_html(error.render())}</span>",
        metadata={"tags": ["jupyter-promote-error"]},
    )
    nb.cells.insert(index, banner)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def elapsed_since(start: float) -> float:
    """Seconds since ``start`` (a :func:`time.perf_counter` value)."""
    return time.perf_counter() - start
