"""Rules of ``teams.yaml`` across entries: each team once, each person once in the whole file.

Checked on the raw loaded data, not on the validated model, so that these problems are listed
together with the field problems of the same file (the model is not built when any field is
wrong); entries too malformed to read are skipped here (the field checks report them).
"""

from __future__ import annotations

from typing import Any

from jupyter_promote.fleet.roster_lines import Located, Path, line_of, path_text

_FIX_PERSON = "give each person one entry, in one team"


def duplicates(data: Any, where: dict[Path, int]) -> list[Located]:
    """Teams defined twice, and member ids or e-mails (any case) used twice.

    Example:
        >>> data = {"teams": [{"name": "a", "members": [{"id": "ana"}]},
        ...                   {"name": "b", "members": [{"id": "Ana"}]}]}
        >>> where = {("teams", 0, "members", 0, "id"): 3, ("teams", 1, "members", 0, "id"): 6}
        >>> duplicates(data, where)[0][2]
        'member id "Ana" (team "b") is already used in team "a" (line 3); give each person one \
entry, in one team'
    """
    teams = data.get("teams") if isinstance(data, dict) else None
    if not isinstance(teams, list):
        return []
    problems: list[Located] = []
    team_lines: dict[str, int] = {}
    people: dict[tuple[str, str], tuple[str, int]] = {}  # (field, value) -> (team, line)
    for index, team in enumerate(teams):
        if not isinstance(team, dict):
            continue
        name = team.get("name")
        label = name if isinstance(name, str) else f"#{index + 1}"
        if isinstance(name, str):
            problems += _team_twice(name, ("teams", index, "name"), team_lines, where)
        members = team.get("members")
        for position, member in enumerate(members if isinstance(members, list) else []):
            if isinstance(member, dict):
                path = ("teams", index, "members", position)
                problems += _person_twice(member, label, path, people, where)
    return problems


def _team_twice(
    name: str, path: Path, seen: dict[str, int], where: dict[Path, int]
) -> list[Located]:
    line = line_of(where, path)
    if name not in seen:
        seen[name] = line
        return []
    message = f'team "{name}" is already defined on line {seen[name]}; give each team one entry'
    return [(line, path_text(path), message)]


def _person_twice(
    member: dict[str, Any],
    team: str,
    path: Path,
    seen: dict[tuple[str, str], tuple[str, int]],
    where: dict[Path, int],
) -> list[Located]:
    problems: list[Located] = []
    for field, what in (("id", "member id"), ("email", "e-mail")):
        value = member.get(field)
        if not isinstance(value, str):
            continue
        at = (*path, field)
        line = line_of(where, at)
        first = seen.get((field, value.lower()))
        if first is None:
            seen[(field, value.lower())] = (team, line)
        else:
            message = (
                f'{what} "{value}" (team "{team}") is already used in team "{first[0]}"'
                f" (line {first[1]}); {_FIX_PERSON}"
            )
            problems.append((line, path_text(at), message))
    return problems
