"""What the handlers share, kept in the web app's settings under :data:`STATE_KEY`."""

from __future__ import annotations

from dataclasses import dataclass

from jupyter_promote.config import PromoteConfig
from jupyter_promote.frontends.server.jobs import JobManager

STATE_KEY = "jupyter_promote_state"  # the ExtensionState in the web app's settings


@dataclass
class ExtensionState:
    """What the handlers share: the project's configuration and the job manager."""

    config: PromoteConfig
    jobs: JobManager
