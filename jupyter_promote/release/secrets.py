"""Secrets scan: credentials written into code cells would ship in every release.

Detection is Yelp's detect-secrets (AWS keys, private keys, passwords in URLs, keyword
assignments, high-entropy strings, JWTs, GitHub/Slack/... tokens) plus one rule of ours, for
what its keyword detector misses: a random-looking string literal assigned to a name like
``*_key``, ``*token*``, ``*secret*`` or ``password``. Every code cell is scanned, ``skip``
cells too: they still ship in the release notebook. A line ending in
``# pragma: allowlist secret`` (detect-secrets' own pragma) is never reported.
"""

from __future__ import annotations

import ast
import locale
import math
import re
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from jupyter_promote.errors import PromoteError
from jupyter_promote.util import pyast

OWN_RULE = "Secret Assignment"
_LABELS = {
    "AWS Access Key": "AWS access key",
    "Basic Auth Credentials": "password in a URL",
    "Secret Keyword": "hard-coded secret",
    OWN_RULE: "hard-coded secret",
    "Base64 High Entropy String": "random-looking string",
    "Hex High Entropy String": "random-looking hex string",
    "JSON Web Token": "JSON web token",
    "Private Key": "private key",
    "GitHub Token": "GitHub token",
    "Slack Token": "Slack token",
}
# On a line with several hits, the most specific detector names the finding.
_GENERIC = ["Secret Keyword", OWN_RULE, "Base64 High Entropy String", "Hex High Entropy String"]
_PLACEHOLDER = re.compile(
    r"^(?:x+|\*+|\.+|-+|0+|<[^>]*>|\{[^}]*\}|\$\{?\w+\}?|%\(?\w*\)?s|"
    r"change[_-]?me|dummy|example|placeholder|redacted|todo|tbd|none|null|"
    r"(?:your|my)[\w-]*|[\w-]*[_-]here|(?:api[_-]?)?(?:key|secret|token|password|passwd))$",
    re.IGNORECASE,
)
_SECRET_NAME = re.compile(
    r"(?:^|_)key$|token|secret|passw(?:or)?d|(?:^|_)pwd$|credential|authorization",
    re.IGNORECASE,
)
_AUTH_SCHEME = re.compile(r"^(?:bearer|basic|token)\s+", re.IGNORECASE)
_IDENTIFIER_LIKE = re.compile(r"^[a-z0-9]+(?:[_.-][a-z0-9]+)*$")
_MAGIC_LINE = re.compile(r"^\s*[%!?]")
_LOCK = threading.Lock()  # detect-secrets keeps its settings in module globals


class SecretFinding(BaseModel):
    """A likely secret in a code cell."""

    model_config = ConfigDict(extra="forbid")

    cell_index: int = Field(description="0-based index of the code cell.")
    line: int = Field(description="1-based line inside the cell.")
    kind: str = Field(
        description="Detector that found it: a detect-secrets type such as 'AWS Access Key', "
        f"or '{OWN_RULE}'."
    )
    excerpt: str = Field(description="The line, with the secret masked (AKIA****...).")

    @property
    def label(self) -> str:
        """What was found, in words ("AWS access key")."""
        return _LABELS.get(self.kind, self.kind)

    def render(self) -> str:
        """``cell 4, line 2: AWS access key in `aws_key = "AKIA****************"```."""
        return f"cell {self.cell_index + 1}, line {self.line}: {self.label} in `{self.excerpt}`"


class SecretsFound(PromoteError):
    """Code cells contain secrets; :attr:`findings` lists each one."""

    http_status = 422

    def __init__(self, findings: list[SecretFinding]) -> None:
        listed = "\n".join(f"  - {f.render()}" for f in findings)
        noun = "a likely secret" if len(findings) == 1 else f"{len(findings)} likely secrets"
        super().__init__(
            f"the notebook contains {noun}:\n{listed}",
            hint="read secrets at run time instead, from a Prefect Secret block (`from "
            'prefect.blocks.system import Secret; Secret.load("name").get()`) or an '
            'environment variable (`os.environ["NAME"]`); if a line holds no secret, end it '
            "with `# pragma: allowlist secret`",
            cell_index=findings[0].cell_index if len(findings) == 1 else None,
            details={"findings": [f.model_dump() for f in findings]},
        )
        self.findings = findings

    def render(self) -> str:
        return f"{self.message}\n{self.hint}"


def secrets_error(findings: list[SecretFinding]) -> SecretsFound:
    """The error to raise for ``findings`` (from :func:`scan_notebook`).

    Raises:
        ValueError: ``findings`` is empty (there is nothing to report).
    """
    if not findings:
        raise ValueError("secrets_error needs at least one finding")
    return SecretsFound(findings)


def scan_notebook(nb: Mapping[str, Any]) -> list[SecretFinding]:
    """Likely secrets in every code cell of ``nb``, one finding per line, in notebook order.

    Args:
        nb: An nbformat ``NotebookNode`` or the same data as a plain dict.

    Returns:
        The findings (empty when the notebook looks clean).

    Example:
        >>> nb = {"cells": [{"cell_type": "code", "source": 'aws_key = "AKIAIOSFODNN7EXAMPLE"'}]}
        >>> [f.render() for f in scan_notebook(nb)]
        ['cell 1, line 1: AWS access key in `aws_key = "AKIA****************"`']
    """
    findings: list[SecretFinding] = []
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            findings += scan_source("".join(source) if isinstance(source, list) else source, index)
    return findings


def scan_source(source: str, cell_index: int = 0) -> list[SecretFinding]:
    """Likely secrets in one cell's source, one finding per line."""
    lines = source.splitlines()
    hits: dict[int, list[tuple[str, str]]] = {}
    for line, kind, value in _detect_secrets(lines):
        hits.setdefault(line, []).append((kind, value))
    for line, value in _own_rule(lines):
        if line not in hits and "pragma: allowlist secret" not in lines[line - 1]:
            hits[line] = [(OWN_RULE, value)]
    return [
        SecretFinding(
            cell_index=cell_index,
            line=line,
            kind=_most_specific([kind for kind, _ in found]),
            excerpt=_mask(lines[line - 1], found),
        )
        for line, found in sorted(hits.items())
    ]


def _detect_secrets(lines: list[str]) -> Iterator[tuple[int, str, str]]:
    """(line, type, secret) for each detect-secrets hit that is not a placeholder.

    Runs detect-secrets' public file scan (what ``detect-secrets scan cell.py`` runs) on the
    cell written to a temporary ``cell.py``; ``scan_line``, its entry for ad-hoc strings,
    searches eagerly and ignores the allowlist pragma.
    """
    from detect_secrets.core.scan import scan_file
    from detect_secrets.settings import default_settings

    with tempfile.TemporaryDirectory(prefix="jp-secrets-") as folder:
        path = _write_cell(Path(folder) / "cell.py", lines)
        with _LOCK, default_settings() as settings:
            settings.disable_plugins("IPPublicDetector")  # addresses are not credentials
            # Notebooks pass credentials to calls (create_engine("postgresql://u:pw@h")), which
            # this filter would hide; our callers never hold indirect references as values.
            # The file-name filters judge our temporary path, not the notebook: off too.
            settings.disable_filters(
                "detect_secrets.filters.heuristic.is_indirect_reference",
                *_FILE_NAME_FILTERS,
            )
            found = list(scan_file(str(path)))
    for secret in found:
        value = secret.secret_value or ""
        line = secret.line_number - len(_GUARD)
        if 1 <= line <= len(lines) and (
            secret.type == "Private Key" or (value.strip() and not _PLACEHOLDER.match(value))
        ):
            yield line, secret.type, value


# detect-secrets first tries every file as an INI file; a cell starting with a list literal
# and holding only `name = value` lines would parse as one and be scanned as rewritten
# `key = "value"` lines. A first line that is not a section header makes that attempt fail,
# so the cell's own lines are scanned (and line numbers shift by one).
_GUARD = ["pass"]
_FILE_NAME_FILTERS = (
    "detect_secrets.filters.heuristic.is_non_text_file",
    "detect_secrets.filters.heuristic.is_lock_file",
    "detect_secrets.filters.heuristic.is_swagger_file",  # any path containing "swagger"
)


def _write_cell(path: Path, lines: list[str]) -> Path:
    """Write the cell as ``scan_file`` will read it (``open()``'s default encoding)."""
    text = "\n".join([*_GUARD, *lines]) + "\n"
    # backslashreplace: a character that encoding lacks must not make the scan skip the file
    # as binary (credentials are ASCII; the line count stays the same).
    encoding = locale.getpreferredencoding(False)
    path.write_text(text, encoding=encoding, errors="backslashreplace")
    return path


def _own_rule(lines: list[str]) -> Iterator[tuple[int, str]]:
    """(line, value) for random-looking string literals given to secret-sounding names."""
    code = "\n".join("" if _MAGIC_LINE.match(line) else line for line in lines)
    try:
        tree = pyast.parse_module(code)
    except SyntaxError:
        return
    for name, value in _named_values(tree):
        if (
            isinstance(value, ast.Constant)
            and isinstance(value.value, str)
            and _SECRET_NAME.search(name)
            and _looks_random(value.value)
        ):
            yield value.lineno, value.value


def _named_values(tree: ast.AST) -> Iterator[tuple[str, ast.expr]]:
    """(name, value) for assignments, keyword arguments and string-keyed dict entries."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            yield from ((_target_name(t), node.value) for t in node.targets)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            yield _target_name(node.target), node.value
        elif isinstance(node, ast.keyword) and node.arg:
            yield node.arg, node.value
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    yield key.value, value


def _target_name(target: ast.expr) -> str:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
        return str(target.slice.value)
    return ""


def _looks_random(value: str) -> bool:
    """Long, unspaced, mixed letters and digits, high Shannon entropy, not a word chain."""
    value = _AUTH_SCHEME.sub("", value.strip())
    if len(value) < 16 or any(c.isspace() for c in value) or _PLACEHOLDER.match(value):
        return False
    if _IDENTIFIER_LIKE.match(value) or not re.search(r"\d", value):
        return False
    if not re.search(r"[A-Za-z]", value):
        return False
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return entropy >= 3.5


def _stars(match: re.Match[str]) -> str:
    secret = match.group()
    if match.string[match.end() : match.end() + 1] == "*":  # masked by a longer hit already
        return secret
    shown = min(4, len(secret) // 4)
    return secret[:shown] + "*" * (len(secret) - shown)


def _most_specific(kinds: list[str]) -> str:
    specific = [k for k in kinds if k not in _GENERIC]
    return specific[0] if specific else min(kinds, key=_GENERIC.index)


def _mask(line: str, found: list[tuple[str, str]]) -> str:
    """The stripped line with each secret replaced by its first characters and stars."""
    text = line.strip()
    for kind, value in sorted(found, key=lambda hit: -len(hit[1])):
        if kind == "Private Key" or not value:
            continue
        # Some detectors report only a token's prefix ("ghp"): mask the whole token.
        tail = r"[\w+/=.-]*" if len(value) < 8 else ""
        text = re.sub(re.escape(value) + tail, _stars, text)
    return text if len(text) <= 120 else text[:119] + "…"
