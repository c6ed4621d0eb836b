"""The fleet's lineage graph and what follows from it, in one import.

Pipelines write datasets that other pipelines read; consumers hang off pipelines. Build the
graph once (:meth:`FleetGraph.build`, O(edges)), then ask:

- :func:`effective_tiers`: each pipeline's highest tier among itself and all downstream;
- :func:`downstream` / :func:`upstream`: what breaks if X breaks, what X depends on;
- :func:`neighbourhood` / :func:`to_json`: JSON views for the panel and ``--json``.

The parts live in :mod:`.links` (indexes, tiers), :mod:`.impact` (walks) and
:mod:`.graph_json` (views); the join rule between dataset keys is ``links._joins``.

Example:
    >>> from jupyter_promote.fleet.model import Fleet, FleetPipeline
    >>> fleet = Fleet()
    >>> fleet.add(FleetPipeline("extract", "ana", tier="low", writes=["file:x.csv"]))
    >>> fleet.add(FleetPipeline("report", "ben", tier="critical", reads=["file:x.csv"]))
    >>> graph = FleetGraph.build(fleet)
    >>> effective_tiers(graph)["extract"], downstream(graph, "file:x.csv").names()
    ('critical', ['report'])
"""

from __future__ import annotations

from jupyter_promote.fleet.graph_json import neighbourhood, node_id, to_json
from jupyter_promote.fleet.impact import (
    FedConsumer,
    Impact,
    Reached,
    UnknownNode,
    downstream,
    node_kind,
    upstream,
)
from jupyter_promote.fleet.links import FleetGraph, dataset_tiers, effective_tiers

__all__ = [
    "FedConsumer",
    "FleetGraph",
    "Impact",
    "Reached",
    "UnknownNode",
    "dataset_tiers",
    "downstream",
    "effective_tiers",
    "neighbourhood",
    "node_id",
    "node_kind",
    "to_json",
    "upstream",
]
