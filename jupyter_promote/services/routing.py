"""Who hears about a pipeline: its owner's channels from the roster (``teams.yaml``), the team's
channels when asked for (or when the owner left: then the message says so), else the owner's
e-mail address when the owner is one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jupyter_promote.config import PromoteConfig
from jupyter_promote.fleet.roster import Roster, load_roster


@dataclass
class Routes:
    """Where a message goes, who that is, and notes to add to it (e.g. "Ana left the team")."""

    channels: list[Any] = field(default_factory=list)
    to: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def recipients(
    config: PromoteConfig,
    owner: str,
    team: str,
    *,
    include_team: bool = False,
    roster: Roster | None = None,
) -> Routes:
    """The channels for a message about a pipeline owned by ``owner`` of ``team``.

    Args:
        include_team: Also the team's channels (critical and high alerts).
        roster: The roster when the caller read it already (else ``teams.yaml`` is read).
    """
    from jupyter_promote.monitor.notify import Channel

    roster = roster if roster is not None else load_roster(config.project_path)
    routes = Routes()
    if roster is None:
        routes.to = [owner, *([f"team {team}"] if include_team and team else [])]
        if "@" in owner:
            routes.channels.append(Channel(type="email", to=owner))
        else:
            routes.notes.append(f"no teams.yaml: {owner} has no channel to reach them")
        return routes
    member = roster.member(owner)
    team_entry = roster.team(team) if team else None
    if member is not None:
        routes.to.append(member.id)
        routes.channels += [_channel(c) for c in member.channels] or (
            [Channel(type="email", to=member.email)] if member.email else []
        )
    else:
        routes.notes.append(
            f"{owner} is not on the roster (left?): sent to team {team or '(none)'} instead"
        )
    if team_entry is not None and (include_team or member is None):
        routes.to.append(f"team {team_entry.name}")
        routes.channels += [_channel(c) for c in team_entry.channels]
    return routes


def channels_for(to: list[str], roster: Roster | None) -> list[tuple[str, list[Any], str]]:
    r"""The channels of each recipient of an alert (member ids and ``"team NAME"``), with a note
    when one has none: a member's channels (else their e-mail), a team's channels; without a
    roster, a recipient that is an e-mail address is mailed.

    >>> from jupyter_promote.fleet.roster import parse_roster
    >>> roster = parse_roster(
    ...     "teams:\n- name: risk\n  channels: [{type: webhook, url: 'env:RISK_HOOK'}]\n"
    ...     "  members: [{id: ana, email: ana@example.com}]")
    >>> for who, chans, note in channels_for(["ana", "team risk", "zed"], roster):
    ...     print(who, [c.type for c in chans], note or "-")
    ana ['email'] -
    team risk ['webhook'] -
    zed [] zed is not on the roster
    """
    from jupyter_promote.monitor.notify import Channel

    routes: list[tuple[str, list[Any], str]] = []
    for recipient in to:
        if recipient.startswith("team "):
            team = roster.team(recipient.removeprefix("team ")) if roster else None
            channels = [_channel(c) for c in team.channels] if team else []
            note = "" if channels else f"{recipient} has no channel in teams.yaml"
        elif roster is not None and (member := roster.member(recipient)) is not None:
            channels = [_channel(c) for c in member.channels] or (
                [Channel(type="email", to=member.email)] if member.email else []
            )
            note = "" if channels else f"{recipient} has no channel or e-mail in teams.yaml"
        elif "@" in recipient:
            channels, note = [Channel(type="email", to=recipient)], ""
        else:
            channels = []
            note = (
                f"{recipient} is not on the roster"
                if roster
                else f"no teams.yaml: {recipient} has no channel"
            )
        routes.append((recipient, channels, note))
    return routes


def _channel(entry: Any) -> Any:
    """A roster channel (``teams.yaml``) as the notifier's channel."""
    from jupyter_promote.monitor.notify import Channel

    return Channel(type=entry.type, url=getattr(entry, "url", None), to=getattr(entry, "to", None))
