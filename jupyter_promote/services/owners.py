"""Owners and handover: ``transfer`` hands pipelines to another person (a new release whose
only change is the owner; deployment tags and runbook follow), ``orphans`` lists pipelines whose
owner is no longer on the team roster (``teams.yaml``)."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from jupyter_promote.config import PromoteConfig
from jupyter_promote.errors import PromoteError
from jupyter_promote.fleet.roster import Roster, load_roster
from jupyter_promote.services.releases import PromoteResult


class RosterRequired(PromoteError):
    """The command needs the team roster and the project has none."""

    http_status = 409


class NotOnRoster(PromoteError):
    """A transfer to someone the roster does not know."""

    http_status = 422


class NothingToTransfer(PromoteError):
    """No promoted pipeline is owned by the person named."""

    http_status = 404


def roster_of(config: PromoteConfig) -> Roster:
    """The project's ``teams.yaml``.

    Raises:
        RosterRequired: there is none.
        RosterInvalid: it has problems (every one listed, with its line).
    """
    roster = load_roster(config.project_path)
    if roster is None:
        raise RosterRequired(
            f"the project has no team roster ({config.project_path / 'teams.yaml'})",
            hint="write teams.yaml with the teams and their members (see the README's"
            " 'Owners and teams')",
        )
    return roster


def transfer(
    config: PromoteConfig,
    from_owner: str,
    to_owner: str,
    *,
    pipeline: str | None = None,
    actor: str | None = None,
) -> list[PromoteResult]:
    """Hand ``from_owner``'s pipelines (or one of them) to ``to_owner``.

    Each gets a new release whose only change is the owner (the notebook and every other
    setting are the current release's; no dry run, recorded as such), its deployment moves to
    it (tags follow), its runbook is rewritten, and the catalog logs the transfer.

    Raises:
        RosterRequired / RosterInvalid: no usable roster.
        NotOnRoster: ``to_owner`` is not a member (with "did you mean").
        NothingToTransfer: ``from_owner`` owns none of them (or not ``pipeline``).
    """
    from jupyter_promote.services.fleet import open_catalog

    roster = roster_of(config)
    member = roster.member(to_owner)
    if member is None:
        raise NotOnRoster(
            f"{to_owner!r} is not on the team roster, so pipelines cannot be handed to them"
            + roster.did_you_mean(to_owner),
            hint="add them to teams.yaml first, or name a member (id or e-mail)",
        )
    catalog = open_catalog(config)
    rows = [r for r in catalog.pipelines() if _same_person(roster, r.owner, from_owner)]
    if pipeline is not None:
        rows = [r for r in rows if r.name == pipeline]
    if not rows:
        which = f"pipeline {pipeline!r}" if pipeline else "any promoted pipeline"
        raise NothingToTransfer(
            f"{from_owner!r} does not own {which}",
            hint="see the owners with `jupyter promote ls`",
        )
    new_owner = member.email or member.id if "@" in rows[0].owner else member.id
    results = []
    for row in rows:
        results.append(_hand_over(config, row.name, Path(row.release_dir), new_owner, actor))
        catalog.log(
            row.name,
            "transferred",
            actor=actor or getpass.getuser(),
            detail=f"{row.owner} -> {new_owner}",
        )
    return results


def _same_person(roster: Roster, owner: str, named: str) -> bool:
    if owner.lower() == named.lower():
        return True
    member = roster.member(named)
    return member is not None and roster.member(owner) == member


def _hand_over(
    config: PromoteConfig, name: str, release: Path, owner: str, actor: str | None
) -> PromoteResult:
    from jupyter_promote.analysis.notebook import read_notebook
    from jupyter_promote.analysis.pipeline import analyze_notebook
    from jupyter_promote.release.store import read_manifest
    from jupyter_promote.services.promote import Prepared, promote

    manifest = read_manifest(release)
    loaded = read_notebook(release / manifest.notebook)
    spec = analyze_notebook(loaded.nb, manifest.source_notebook)
    settings = manifest.settings().model_copy(update={"owner": owner})
    from jupyter_promote.orchestration import deploy, stack

    env = stack.prefect_env(config)
    deploy.check_reachable(env["PREFECT_API_URL"])
    prepared = Prepared(release / manifest.notebook, loaded, spec, settings, env, manifest.lineage)
    return promote(
        prepared.path,
        {},
        config,
        dry_run=False,
        promoted_by=actor or getpass.getuser(),
        remember_in_file=False,
        prepared=prepared,
        skipped_because=f"owner transfer of release {manifest.version}",
    )


@dataclass
class Orphan:
    """A pipeline whose owner is not on the roster (someone left)."""

    name: str
    owner: str
    team: str
    tier: str
    effective_tier: str
    since: str  # promoted_at of its current release


def orphans(config: PromoteConfig) -> list[Orphan]:
    """Pipelines whose owner is not a member of the roster, most important first.

    Raises:
        RosterRequired / RosterInvalid: no usable roster.
    """
    from jupyter_promote.fleet.model import TIER_RANK
    from jupyter_promote.services.fleet import open_catalog

    roster = roster_of(config)
    found = [
        Orphan(r.name, r.owner, r.team, r.tier, r.effective_tier, r.promoted_at)
        for r in open_catalog(config).pipelines()
        if roster.member(r.owner) is None
    ]
    return sorted(found, key=lambda o: (TIER_RANK.get(o.effective_tier, 9), o.name))


def now() -> datetime:
    return datetime.now(timezone.utc)
