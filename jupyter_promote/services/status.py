"""Which Prefect server the project talks to, and whether it answers (status displays)."""

from __future__ import annotations

from dataclasses import dataclass

from jupyter_promote.config import PromoteConfig
from jupyter_promote.errors import PromoteError


@dataclass
class PrefectEndpoint:
    """Which Prefect server the project uses and whether it answered just now."""

    api_url: str | None
    ui_url: str | None
    reachable: bool
    error: str | None


def prefect_endpoint(config: PromoteConfig, timeout: float = 1.5) -> PrefectEndpoint:
    """Resolve the project's Prefect API and probe its health check with a short timeout.

    Never raises for a missing or dead server: the answer says why (for status displays).
    """
    from jupyter_promote.orchestration import deploy, stack

    try:
        env = stack.prefect_env(config)
    except PromoteError as exc:
        return PrefectEndpoint(None, None, False, exc.render())
    api_url, ui_url = env["PREFECT_API_URL"], stack.ui_base(env)
    try:
        deploy.check_reachable(api_url, timeout)
    except PromoteError as exc:
        return PrefectEndpoint(api_url, ui_url, False, exc.message)
    return PrefectEndpoint(api_url, ui_url, True, None)
