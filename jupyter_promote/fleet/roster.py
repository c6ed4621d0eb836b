"""The team roster, ``teams.yaml`` in the project folder: teams, their members (whom
``--owner`` names) and where their alerts go.

The file is committed to git, so it holds no secret: a channel's webhook URL (which carries
its own secret) is named by reference, ``env:VAR_NAME`` or ``block:PREFECT-SECRET-BLOCK``.
A file with problems is rejected with every problem at once, each with its line::

    teams.yaml line 7 (teams[0].members[1].id): "Ben" is not a valid id; use lowercase
    letters, digits, -, _ or .
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, ValidationError
from pydantic_core import PydanticCustomError

from jupyter_promote.errors import PromoteError
from jupyter_promote.fleet import roster_lines as lines
from jupyter_promote.fleet.roster_checks import duplicates
from jupyter_promote.util.spelling import did_you_mean

ROSTER_FILE = "teams.yaml"
_SLUG = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")
_ENV = re.compile(r"env:[A-Za-z_][A-Za-z0-9_]*\Z")
_BLOCK = re.compile(r"block:[a-z0-9][a-z0-9-]*\Z")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\Z")


class RosterInvalid(PromoteError):
    """``teams.yaml`` has problems; :attr:`problems` lists each with its line, in file order."""

    http_status = 422

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems), details={"problems": problems})
        self.problems = problems


def _slug(what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not _SLUG.match(value):
            raise PydanticCustomError(
                "slug", f'"{value}" is not a valid {what}; use lowercase letters, digits, -, _ or .'
            )
        return value

    return AfterValidator(check)


def _secret_ref(value: str) -> str:
    if _ENV.match(value) or _BLOCK.match(value):
        return value
    if "://" in value:  # never echo it: it is the secret
        raise PydanticCustomError(
            "raw_url",
            "a raw URL here would commit the webhook's secret to git; put the URL in an"
            ' environment variable and write "env:VAR_NAME", or in a Prefect Secret block and'
            ' write "block:BLOCK-NAME"',
        )
    raise PydanticCustomError(
        "secret_ref",
        'the URL must be named by reference: "env:VAR_NAME" (an environment variable) or'
        ' "block:BLOCK-NAME" (a Prefect Secret block, lowercase letters, digits and -)',
    )


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise PydanticCustomError("email", f'"{value}" is not an e-mail address')
    return value


SecretRef = Annotated[str, AfterValidator(_secret_ref)]
Email = Annotated[str, AfterValidator(_email)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SlackChannel(_Strict):
    """A Slack-compatible incoming webhook."""

    type: Literal["slack"] = Field(description="Channel kind: a Slack-compatible webhook.")
    url: SecretRef = Field(description='The webhook URL by reference: "env:VAR" or "block:NAME".')


class WebhookChannel(_Strict):
    """A generic webhook (JSON POST)."""

    type: Literal["webhook"] = Field(description="Channel kind: a generic JSON webhook.")
    url: SecretRef = Field(description='The webhook URL by reference: "env:VAR" or "block:NAME".')


class EmailChannel(_Strict):
    """E-mail, sent through the configured SMTP server."""

    type: Literal["email"] = Field(description="Channel kind: e-mail.")
    to: Email = Field(description="The address alerts are sent to.")


Channel = Annotated[SlackChannel | WebhookChannel | EmailChannel, Field(discriminator="type")]
CHANNEL_TYPES: dict[str, type[_Strict]] = {
    "slack": SlackChannel,
    "webhook": WebhookChannel,
    "email": EmailChannel,
}


class Member(_Strict):
    """A person who can own pipelines."""

    id: Annotated[str, _slug("id")] = Field(description="What --owner names (a user name).")
    name: str = Field("", description="The person's name, for people to read.")
    email: Email | None = Field(None, description="E-mail; --owner may name it instead of id.")
    channels: list[Channel] = Field(
        default_factory=list, description="Where this person's own alerts go."
    )


class Team(_Strict):
    """A team: its members and where its alerts go."""

    name: Annotated[str, _slug("team name")] = Field(description="The team's name (a slug).")
    channels: list[Channel] = Field(default_factory=list, description="Where team alerts go.")
    members: list[Member] = Field(default_factory=list, description="The team's people.")


class Roster(_Strict):
    """Every team of the project (``teams.yaml``).

    Example:
        >>> roster = parse_roster("teams:\\n- name: risk\\n  members: [{id: ana, email: a@b.c}]")
        >>> roster.member("A@B.C").id, roster.team_of("ana").name, roster.is_member("ben")
        ('ana', 'risk', False)
    """

    teams: list[Team] = Field(description="The teams, each with its members and channels.")
    _people: dict[str, tuple[Member, Team]] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        for team in self.teams:
            for member in team.members:
                self._people.setdefault(member.id.lower(), (member, team))
                if member.email:
                    self._people.setdefault(member.email.lower(), (member, team))

    def member(self, owner: str) -> Member | None:
        """The member ``owner`` names (id or e-mail, any case), if any."""
        found = self._people.get(owner.strip().lower())
        return found[0] if found else None

    def team(self, name: str) -> Team | None:
        """The team called ``name``, if any."""
        return next((team for team in self.teams if team.name == name), None)

    def team_of(self, member_id: str) -> Team | None:
        """The team of the member ``member_id`` names (id or e-mail), if any."""
        found = self._people.get(member_id.strip().lower())
        return found[1] if found else None

    def is_member(self, owner: str) -> bool:
        """Whether ``owner`` names a member of some team."""
        return self.member(owner) is not None

    def did_you_mean(self, owner: str) -> str:
        """``' (did you mean "ana"?)'`` for the closest member id or e-mail, or ``''``."""
        return did_you_mean(owner.strip().lower(), sorted(self._people))


def load_roster(project_dir: str | Path) -> Roster | None:
    """The project's roster, or ``None`` when it has no ``teams.yaml``.

    Raises:
        RosterInvalid: The file has problems (all of them listed, with line numbers).
    """
    path = Path(project_dir) / ROSTER_FILE
    if not path.is_file():
        return None
    return parse_roster(path.read_text(encoding="utf-8"), ROSTER_FILE)


def parse_roster(text: str, source: str = ROSTER_FILE) -> Roster:
    """Validate the text of a roster file (``source`` names it in messages).

    Raises:
        RosterInvalid: Every problem, in file order.

    Example:
        >>> parse_roster("teams:\\n- name: Risk\\n")
        Traceback (most recent call last):
        ...
        jupyter_promote.fleet.roster.RosterInvalid: teams.yaml line 2 (teams[0].name): "Risk" \
is not a valid team name; use lowercase letters, digits, -, _ or .
    """
    try:
        data = yaml.safe_load(text)
        where, problems = lines.line_map(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or "cannot be read"
        raise RosterInvalid([f"{source} line {line}: not valid YAML ({reason})"]) from None
    if data is None:
        raise RosterInvalid([f'{source} line 1: the file is empty; list the teams under "teams:"'])
    roster: Roster | None = None
    try:
        roster = Roster.model_validate(data)
    except ValidationError as exc:
        problems += _translate(exc, data, where)
    problems += duplicates(data, where)
    if problems or roster is None:
        raise RosterInvalid([_render(source, *problem) for problem in sorted(set(problems))])
    return roster


def _render(source: str, line: int, path: str, message: str) -> str:
    return (
        f"{source} line {line} ({path}): {message}" if path else f"{source} line {line}: {message}"
    )


def _translate(
    exc: ValidationError, data: Any, where: dict[lines.Path, int]
) -> list[lines.Located]:
    found: list[lines.Located] = []
    for error in exc.errors():
        path = lines.data_path(error["loc"], data)
        line = lines.line_of(where, path)
        found.append((line, lines.path_text(path), lines.describe(error, _fields_at)))
    return found


def _fields_at(loc: tuple[str | int, ...]) -> list[str]:
    """Field names of the model at a pydantic location (a channel's from its union tag)."""
    names = [part for part in loc if isinstance(part, str)]
    model: type[BaseModel] = Roster
    if names and names[-1] in CHANNEL_TYPES:
        model = CHANNEL_TYPES[names[-1]]
    elif names and names[-1] == "channels":
        return ["type", "url (slack, webhook)", "to (email)"]
    elif names and names[-1] == "members":
        model = Member
    elif names == ["teams"]:
        model = Team
    return list(model.model_fields)
