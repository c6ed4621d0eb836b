"""The Jupyter Server extension: REST routes under ``{base_url}jupyter-promote/api/``.

Enabled by ``jupyter-config/server-config/jupyter_promote.json``. Configure the project through
the server's config, e.g. ``c.PromoteConfig.project_dir = "/srv/project"`` (default: the
server's root directory) or ``c.PromoteConfig.prefect_api_url = "http://prefect:4200/api"``.
Loading imports the tornado handler classes only: the pydantic models of the JSON contract,
the expectation grammar, Prefect, Great Expectations and kernels are imported when a request
needs them (the start-up budget is 100 ms, DESIGN.md section 7).
"""

from jupyter_promote.frontends.server.extension import PromoteExtension

__all__ = ["PromoteExtension"]
