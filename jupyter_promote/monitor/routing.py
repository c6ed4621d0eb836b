"""Who hears about an incident, and how soon: routing by effective tier.

- critical and high: at once, to the owner **and** the team (``"team NAME"``);
- normal: at once, to the owner;
- low: only in the daily digest of each owner concerned.

An owner who is not on the roster (never was, or left: a ``roster-leave`` event) is replaced
by their team, and the alert says so. Without a roster, recipients are the manifest's owner
and team as written, unless a ``roster-leave`` said the owner left.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jupyter_promote.monitor.alerts import Delivery
from jupyter_promote.monitor.fleetview import FleetView
from jupyter_promote.monitor.model import MonitorState

#: Tiers whose alerts also go to the team at once.
TEAM_TIERS = frozenset({"critical", "high"})


def team_recipient(team: str) -> str:
    """How a team is named among recipients.

    >>> team_recipient("risk")
    'team risk'
    """
    return f"team {team}"


def delivery_for(tier: str) -> Delivery:
    """``digest`` for low, else ``immediate``."""
    return "digest" if tier == "low" else "immediate"


@dataclass(frozen=True)
class Route:
    """Where an alert goes.

    Attributes:
        to: Recipients, in order, without repeats.
        channel: immediate or digest.
        notes: Sentences for the message (an owner replaced by their team).
    """

    to: list[str]
    channel: Delivery
    notes: list[str]


class Router:
    """Routes over the fleet, the roster, and who has left (kept in the state)."""

    def __init__(self, view: FleetView, state: MonitorState) -> None:
        self.view = view
        self.state = state

    def present(self, owner: str) -> bool:
        """Whether ``owner`` can receive alerts: on the roster (when there is one) and not
        known to have left."""
        if self.view.person(owner) in self.state.left:
            return False
        roster = self.view.roster
        return roster is None or roster.member(owner) is not None

    def route(self, pipelines: Iterable[str], tier: str) -> Route:
        """The route of an alert about ``pipelines`` (root cause first) at ``tier``."""
        to: list[str] = []
        notes: list[str] = []
        for name in dict.fromkeys(pipelines):
            pipeline = self.view.pipeline(name)
            people, note = self._owner(pipeline.owner, pipeline.team)
            to.extend(people)
            if note and note not in notes:
                notes.append(note)
            if tier in TEAM_TIERS and pipeline.team:
                to.append(team_recipient(pipeline.team))
        return Route(list(dict.fromkeys(to)), delivery_for(tier), notes)

    def route_teams(self, teams: Iterable[str], tier: str) -> Route:
        """The route of an alert for teams only (an orphaned pipeline's)."""
        to = [team_recipient(team) for team in dict.fromkeys(teams) if team]
        return Route(to, delivery_for(tier), [])

    def teams_of(self, member: str) -> list[str]:
        """The teams of ``member``: on the roster, or remembered from when they left."""
        who = self.view.person(member)
        if who in self.state.left:
            return list(self.state.left[who])
        roster = self.view.roster
        team = roster.team_of(member) if roster is not None else None
        return [team.name] if team is not None else []

    def _owner(self, owner: str, team: str) -> tuple[list[str], str]:
        if self.present(owner):
            return [self.view.person(owner) if self.view.roster else owner], ""
        teams = [team_recipient(t) for t in ([team] if team else self.teams_of(owner))]
        gone = f"{owner} is no longer on the roster"
        if not teams:
            return [owner], f"{gone} and no team is known: sent to {owner}"
        return teams, f"{gone}: sent to {', '.join(teams)}"
