"""What a notebook pipeline reads and writes, found statically in its code.

Every code cell (except skipped ones) is parsed with :mod:`ast` (IPython syntax accepted), in
notebook order, following the names bound to strings and connections (:mod:`.values`) and
recognising the calls that read or write data (:mod:`.calls`), SQL included (:mod:`.sql`).
Only what is known for sure is reported: an argument that cannot be resolved gives nothing.
Papermill parameters stay ``{name}`` placeholders, since they change from run to run, except
where one starts a location (then its default says where the data lives).

This is advice for lineage, never a gate: no input makes it raise.
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import nbformat

from jupyter_promote.analysis.names import parse
from jupyter_promote.fleet.calls import connection_of, io_calls
from jupyter_promote.fleet.locate import Locator
from jupyter_promote.fleet.model import DatasetRef, Direction
from jupyter_promote.fleet.values import Scope, marker, resolve

PARAMETER_TAGS = frozenset({"parameters", "pipeline-parameters"})  # papermill's and Kale's
INJECTED_TAG = "injected-parameters"  # papermill's output cell: never part of the pipeline


@dataclass(frozen=True)
class Found:
    """One read or write found in the notebook's code.

    Attributes:
        direction: ``read`` or ``write``.
        dataset: The dataset, named the OpenLineage way.
        cell_index: The cell it was found in (index among all cells).
        line: The line in that cell (1-based).
        call: The call that reads or writes it, as written (``pd.read_csv``), with `` (SQL)``
            when the dataset was found in SQL text.
    """

    direction: Direction
    dataset: DatasetRef
    cell_index: int
    line: int
    call: str


def extract_lineage(
    nb: nbformat.NotebookNode,
    *,
    notebook_path: str = "",
    project_dir: str | None = None,
    parameters: dict[str, Any] | None = None,
    skip_cells: Iterable[int] = frozenset(),
) -> list[Found]:
    """The datasets a notebook's code reads and writes, each once, in notebook order.

    Args:
        nb: The notebook.
        notebook_path: Its path relative to the project: relative paths in its code start
            from its folder.
        project_dir: The project's folder: local files inside it are named relative to it.
        parameters: Papermill parameter -> default; when ``None``, the assignments of the
            cells tagged ``parameters``.
        skip_cells: Indexes of cells that never run in production (ignored).

    Returns:
        One :class:`Found` per direction and dataset (the first place it occurs).

    Example:
        >>> from nbformat.v4 import new_code_cell, new_notebook
        >>> code = "import pandas as pd\\nraw = pd.read_csv('../raw.csv')\\nraw.to_parquet('x.pq')"
        >>> nb = new_notebook(cells=[new_code_cell(code)])
        >>> for f in extract_lineage(nb, notebook_path="nbs/load.ipynb"):
        ...     print(f.direction, f.dataset.key, f.line, f.call)
        read file:raw.csv 2 pd.read_csv
        write file:nbs/x.pq 3 raw.to_parquet
    """
    sink: dict[tuple[str, DatasetRef], Found] = {}
    try:
        cells = _code_cells(nb, set(skip_cells))
        params = dict(parameters) if parameters is not None else _declared_parameters(cells)
        scope = Scope(values={name: marker(name) for name in params}, params=params)
        base = PurePosixPath(notebook_path.replace("\\", "/")).parent if notebook_path else None
        project = PurePosixPath(project_dir.replace("\\", "/")) if project_dir else None
        locator = Locator(scope, base, project)
        for index, source, is_parameters in cells:
            frozen = set(params) if is_parameters else set()
            _Walker(locator, index, sink, frozen).cell(source)
    except Exception:  # a malformed notebook: report what was found so far
        pass
    return list(sink.values())


def _code_cells(nb: nbformat.NotebookNode, skip: set[int]) -> list[tuple[int, str, bool]]:
    """(index, source, is a parameters cell) of each code cell that runs in production."""
    cells = []
    for index, cell in enumerate(nb.get("cells") or []):
        if cell.get("cell_type") != "code" or index in skip:
            continue
        tags = cell.get("metadata", {}).get("tags") or []
        tags = {t for t in tags if isinstance(t, str)} if isinstance(tags, list) else set()
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if INJECTED_TAG not in tags:
            cells.append((index, source, bool(tags & PARAMETER_TAGS)))
    return cells


def _declared_parameters(cells: Sequence[tuple[int, str, bool]]) -> dict[str, Any]:
    """Name -> literal default of the assignments in the parameters cells."""
    params: dict[str, Any] = {}
    for _, source, is_parameters in cells:
        if not is_parameters:
            continue
        try:
            body = parse(source).body
        except Exception:  # not Python: it declares nothing
            continue
        for stmt in body:
            target = (
                stmt.targets[0] if isinstance(stmt, ast.Assign) else getattr(stmt, "target", None)
            )
            value = getattr(stmt, "value", None)
            if isinstance(target, ast.Name) and isinstance(value, ast.expr):
                params[target.id] = _literal(value)
    return params


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


class _Walker:
    """Walks one cell's statements in order, updating the notebook's :class:`Scope`."""

    def __init__(
        self,
        locator: Locator,
        cell_index: int,
        sink: dict[tuple[str, DatasetRef], Found],
        frozen: set[str],
    ) -> None:
        self.locator, self.scope, self.cell_index = locator, locator.scope, cell_index
        self.sink, self.frozen = sink, frozen  # frozen: parameters, in the parameters cell

    def cell(self, source: str) -> None:
        try:
            body = parse(source).body
        except Exception:  # not Python: nothing is known to be read or written
            return
        with contextlib.suppress(Exception):  # advice only: a surprise never blocks a promotion
            self.block(body)

    def block(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            self.statement(statement)

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            self._import(stmt)
        elif isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign):
            self._assign(stmt)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            for item in stmt.items:
                self.calls(item.context_expr)
                self._bind_with(item)
            self.block(stmt.body)
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self._definition(stmt)
        elif isinstance(stmt, ast.Delete):
            self.scope.forget(_stored(stmt.targets, deleted=True))
        elif _is_compound(stmt):
            if isinstance(stmt, ast.For | ast.AsyncFor):
                self.scope.forget(_stored([stmt.target]))
            self._compound(stmt)
            self.scope.forget(_stored([stmt]))  # conditional: unknown afterwards
        else:
            self.calls(stmt)

    def _compound(self, node: ast.AST) -> None:
        for _, value in ast.iter_fields(node):
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, ast.stmt):
                    self.statement(item)
                elif isinstance(item, ast.expr):
                    self.calls(item)
                elif isinstance(item, ast.AST):  # except handlers, match cases
                    self._compound(item)

    def _import(self, stmt: ast.Import | ast.ImportFrom) -> None:
        for alias in stmt.names:
            if isinstance(stmt, ast.Import):
                local = alias.asname or alias.name.split(".")[0]
                origin = alias.name if alias.asname else local
            else:
                local, origin = alias.asname or alias.name, f"{stmt.module or ''}.{alias.name}"
            self.scope.imports[local] = origin
            self.scope.forget({local})

    def _assign(self, stmt: ast.Assign | ast.AnnAssign | ast.AugAssign) -> None:
        if stmt.value is None:
            return
        self.calls(stmt.value)
        targets: list[ast.expr]
        if isinstance(stmt, ast.AugAssign):
            value: ast.expr = ast.BinOp(left=_load(stmt.target), op=stmt.op, right=stmt.value)
            targets = [stmt.target]
        else:
            value, targets = (
                stmt.value,
                stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target],
            )
        for target in targets:
            if isinstance(target, ast.Name) and target.id not in self.frozen:
                self._bind(target.id, value)
            elif not isinstance(target, ast.Name):
                self.scope.forget(_stored([target]))

    def _bind(self, name: str, value: ast.expr) -> None:
        resolved = resolve(value, self.scope)
        connection = (
            connection_of(value, self.scope) if isinstance(value, ast.Call | ast.Name) else None
        )
        self.scope.forget({name})
        if resolved is not None:
            self.scope.values[name] = resolved
        if connection is not None:
            self.scope.connections[name] = connection

    def _bind_with(self, item: ast.withitem) -> None:
        target = item.optional_vars
        if isinstance(target, ast.Name):
            self._bind(target.id, item.context_expr)
        elif target is not None:
            self.scope.forget(_stored([target]))

    def _definition(self, stmt: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        for decorator in stmt.decorator_list:
            self.calls(decorator)
        if isinstance(stmt, ast.ClassDef):
            hidden: set[str] = set()
        else:
            args = stmt.args
            for default in [*args.defaults, *args.kw_defaults]:
                if default is not None:
                    self.calls(default)
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            hidden = {a.arg for a in every if a is not None}
        body = Locator(self.scope.child(hidden), self.locator.base, self.locator.project)
        _Walker(body, self.cell_index, self.sink, set()).block(stmt.body)
        self.scope.forget({stmt.name})

    def calls(self, node: ast.AST) -> None:
        """Record the reads and writes of every call in ``node``, in source order."""
        found = [n for n in ast.walk(node) if isinstance(n, ast.Call)]
        for call in sorted(found, key=lambda c: (c.lineno, c.col_offset)):
            for io in io_calls(call, self.scope):
                for direction, dataset, label in self.locator.datasets(io):
                    key = (direction, dataset)
                    if key not in self.sink:
                        found_at = Found(direction, dataset, self.cell_index, call.lineno, label)
                        self.sink[key] = found_at


def _is_compound(stmt: ast.stmt) -> bool:
    compound = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, getattr(ast, "TryStar", ast.Try))
    return isinstance(stmt, compound) or type(stmt).__name__ == "Match"


def _stored(nodes: Sequence[ast.AST], deleted: bool = False) -> set[str]:
    """The names ``nodes`` bind (or delete) anywhere inside them."""
    ctx = ast.Del if deleted else ast.Store
    return {
        n.id
        for node in nodes
        for n in ast.walk(node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ctx)
    }


def _load(target: ast.expr) -> ast.expr:
    return ast.Name(id=target.id, ctx=ast.Load()) if isinstance(target, ast.Name) else target
