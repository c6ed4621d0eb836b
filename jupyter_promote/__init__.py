"""jupyter-promote: from a tagged notebook to a scheduled, quality-gated Prefect deployment."""

from jupyter_promote._version import __version__

__all__ = ["__version__"]
