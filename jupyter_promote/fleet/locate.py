"""From a recognised read or write call (:mod:`.calls`) to the datasets it names.

The call's arguments are resolved (:mod:`.values`), finished (parameters become placeholders
or, leading a location, their default), and named the OpenLineage way (:mod:`.datasets`):
paths against the notebook's folder and the project, tables through the connection the call
uses, SQL text through :mod:`.sql`. What cannot be resolved names nothing.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from jupyter_promote.fleet.calls import IoCall, connection_of
from jupyter_promote.fleet.connections import MEMORY, URL, connection_target
from jupyter_promote.fleet.datasets import (
    dataset_from_path,
    dataset_from_table,
    is_table_name,
    local_name,
)
from jupyter_promote.fleet.model import DatasetRef, Direction
from jupyter_promote.fleet.values import Scope, finish, resolve_str

if TYPE_CHECKING:
    from jupyter_promote.fleet.sql import SqlName

_FILE_DATABASES = ("sqlite:///", "duckdb:///")


@dataclass
class Locator:
    """Names the datasets of calls made in one notebook.

    Attributes:
        scope: What the code has bound so far (read, never changed).
        base: The notebook's folder, project-relative: relative paths start there.
        project: The project's folder: local files inside it are named relative to it.
    """

    scope: Scope
    base: PurePosixPath | None = None
    project: PurePosixPath | None = None

    def datasets(self, io: IoCall) -> list[tuple[Direction, DatasetRef, str]]:
        """What one read or write call names: (direction, dataset, how it was called)."""
        if io.kind == "path":
            items = io.target.elts if isinstance(io.target, ast.List | ast.Tuple) else [io.target]
            refs = [self.path(resolve_str(item, self.scope)) for item in items]
            return [(io.direction, ref, io.label) for ref in refs if ref]
        text = resolve_str(io.target, self.scope)
        if text is None:
            return []
        if io.kind in ("sql", "sql_or_table"):
            from jupyter_promote.fleet.sql import sql_uses  # sqlglot: imported when needed

            uses = sql_uses(text)
            if uses is not None:
                return self._sql(uses.reads, uses.writes, io)
            if io.kind == "sql":
                return []
        ref = self.table(text, io.schema, self.connection(io.connection))
        return [(io.direction, ref, io.label)] if ref else []

    def _sql(
        self, reads: list[SqlName], writes: list[SqlName], io: IoCall
    ) -> list[tuple[Direction, DatasetRef, str]]:
        con, label = self.connection(io.connection), f"{io.label} (SQL)"
        out: list[tuple[Direction, DatasetRef, str]] = []
        for direction, names in (("read", reads), ("write", writes)):
            for name in names:
                ref = (
                    self.path(name.text)
                    if name.kind == "file"
                    else self.table(name.text, None, con)
                )
                if ref:
                    out.append(("read" if direction == "read" else "write", ref, label))
        return out

    def path(self, text: str | None) -> DatasetRef | None:
        location = finish(text, self.scope.params) if text is not None else None
        if location is None:
            return None
        return dataset_from_path(location, base=self.base, project=self.project)

    def table(self, text: str, schema: ast.expr | None, con: str | None) -> DatasetRef | None:
        name = finish(text, self.scope.params)
        if name is None or con == MEMORY:
            return None
        if schema is not None:
            prefix = resolve_str(schema, self.scope)
            prefix = finish(prefix, self.scope.params) if prefix is not None else None
            if prefix is None:
                return None
            name = name if "." in name else f"{prefix}.{name}"
        return dataset_from_table(name, connection=con) if is_table_name(name) else None

    def connection(self, node: ast.expr | None) -> str | None:
        """The URL of the connection ``node`` stands for, local database files named like
        the project's other files; ``None`` when unknown."""
        url = connection_of(node, self.scope) if node is not None else None
        if url is None or url == MEMORY:
            return url
        url = finish(url, self.scope.params)
        if url is not None and connection_target(url)[0] == MEMORY:
            return MEMORY
        if url is None or not URL.match(url):
            return url if url and "=" in url else None  # a libpq DSN, or nothing known
        for prefix in _FILE_DATABASES:
            if url.startswith(prefix) and not url[len(prefix) :].startswith(":memory:"):
                path = url[len(prefix) :].split("?", 1)[0]
                named = local_name(path, base=self.base, project=self.project)
                return prefix + named
        return url
