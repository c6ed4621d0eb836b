"""Turn IPython cell source into plain Python the way IPython does, without importing IPython.

``!ls``, ``x = !ls``, ``%matplotlib inline``, ``obj?`` and ``%%bash`` cells become the calls
IPython itself would make (``get_ipython().system(...)`` ...), so :mod:`ast` can parse the cell.
Magics that run Python code (``%time``, ``%timeit``, ``%%time``, ``%%capture``, ...) are
unwrapped instead, so the names the wrapped code reads and defines stay visible to the analysis.
"""

from __future__ import annotations

import re

# Magics whose argument (line) or body (cell) is Python code run in the user namespace.
CODE_LINE_MAGICS = frozenset({"time", "timeit", "prun"})
CODE_CELL_MAGICS = frozenset({"time", "timeit", "prun", "capture", "debug"})

_ASSIGN_ESCAPE = re.compile(r"^(\s*)([A-Za-z_][\w.,\s\[\]'\"]*?)\s*=\s*([!%])(.*)$")
_HELP = re.compile(r"^(\s*)([%\w.()\[\]'\"]*\w[)\]]?)\s*\?\??\s*$")
_SPECIAL = re.compile(r"[\"'#()\[\]{}]")
_MAGIC_OPTION = re.compile(r"^(-\w+(\s+(?!-)\S+)?\s+)*")


def to_python(source: str) -> str:
    """Return ``source`` with IPython-only syntax replaced by equivalent plain Python.

    Args:
        source: A code cell's source.

    Returns:
        Python source with the same number of lines, so line numbers keep pointing at the cell.

    Example:
        >>> to_python("files = !ls\\n%time n = len(files)")
        "files = get_ipython().getoutput('ls')\\nn = len(files)"
    """
    stripped = source.lstrip()
    if stripped.startswith("%%"):
        blank_lines = source[: len(source) - len(stripped)].count("\n")
        return "\n" * blank_lines + _cell_magic(stripped)
    lines = source.split("\n")
    out: list[str] = []
    scanner = _Continuation()
    for line in lines:
        out.append(line if scanner.inside else _line(line))
        scanner.feed(out[-1])  # `!echo (` opens no bracket once it is a call
    return "\n".join(out)


def _cell_magic(source: str) -> str:
    first, sep, body = source.partition("\n")
    name, _, args = first[2:].partition(" ")
    if name in CODE_CELL_MAGICS:
        prefix = ""
        if name == "capture":  # its options (--no-stderr, ...) are all flags
            target = [arg for arg in args.split() if not arg.startswith("-")]
            prefix = f"{target[0]} = None  # %%capture output" if target else "pass"
        return (prefix or "pass") + sep + to_python(body)
    call = f"get_ipython().run_cell_magic({name!r}, {args.strip()!r}, {body!r})"
    return call + sep + "\n" * body.count("\n")


def _line(line: str) -> str:
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    if not stripped or stripped.startswith("#"):
        return line
    if stripped.startswith("!"):
        return f"{indent}get_ipython().system({stripped[1:].strip()!r})"
    if stripped.startswith("%"):
        return indent + _line_magic(stripped[1:])
    if stripped.startswith("?"):  # ?obj, ??obj
        kind = "pinfo2" if stripped.startswith("??") else "pinfo"
        return f"{indent}get_ipython().run_line_magic({kind!r}, {stripped.lstrip('?').strip()!r})"
    match = _ASSIGN_ESCAPE.match(line)
    if match and not _looks_like_python(line):
        ind, target, escape, rest = match.groups()
        if escape == "!":
            return f"{ind}{target} = get_ipython().getoutput({rest.strip()!r})"
        return f"{ind}{target} = {_line_magic(rest)}"
    help_match = _HELP.match(line)
    if help_match and line.rstrip().endswith("?") and not _looks_like_python(line):
        obj = help_match.group(2)
        kind = "pinfo2" if line.rstrip().endswith("??") else "pinfo"
        return f"{help_match.group(1)}get_ipython().run_line_magic({kind!r}, {obj!r})"
    return line


def _line_magic(text: str) -> str:
    name, _, args = text.partition(" ")
    if name in CODE_LINE_MAGICS:
        code = _MAGIC_OPTION.sub("", args.strip())
        return code or "pass"
    return f"get_ipython().run_line_magic({name!r}, {args.strip()!r})"


def _looks_like_python(line: str) -> bool:
    try:
        compile(line.strip(), "<line>", "exec")
    except SyntaxError:
        return False
    return True


class _Continuation:
    """Tracks whether the next line continues a statement (open bracket, string, backslash)."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote: str | None = None  # open triple-quoted string delimiter
        self.backslash = False

    @property
    def inside(self) -> bool:
        return self.depth > 0 or self.quote is not None or self.backslash

    def feed(self, line: str) -> None:
        i = 0
        while True:
            if self.quote:
                end = line.find(self.quote, i)
                if end < 0:
                    break
                i, self.quote = end + 3, None
            match = _SPECIAL.search(line, i)
            if match is None:
                break
            ch, i = match.group(), match.start()
            if ch == "#":
                break
            if ch in "\"'":
                i = self._string(line, i, ch)
                continue
            self.depth = self.depth + 1 if ch in "([{" else max(0, self.depth - 1)
            i += 1
        self.backslash = line.endswith("\\") and self.quote is None

    def _string(self, line: str, i: int, ch: str) -> int:
        if line.startswith(ch * 3, i):
            end = line.find(ch * 3, i + 3)
            if end < 0:
                self.quote = ch * 3
                return len(line)
            return end + 3
        j = i + 1
        while j < len(line) and line[j] != ch:
            j += 2 if line[j] == "\\" else 1
        return j + 1
