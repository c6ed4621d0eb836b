"""The pure core: notebook -> pipeline spec -> checks.

Nothing here imports tornado, jupyter_server, IPython, prefect or great_expectations
(``tests/test_layering.py`` proves it), so the core is fast to import and easy to test.
The names below load on first use, so importing one core module (as the server extension does
at start-up) does not build the whole analysis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jupyter_promote.analysis.pipeline import analyze_notebook
    from jupyter_promote.analysis.spec import Diagnostic, Parameter, PipelineSpec, Step

__all__ = ["Diagnostic", "Parameter", "PipelineSpec", "Step", "analyze_notebook"]


def __getattr__(name: str) -> Any:
    if name == "analyze_notebook":
        from jupyter_promote.analysis.pipeline import analyze_notebook

        return analyze_notebook
    if name in __all__:
        from jupyter_promote.analysis import spec

        return getattr(spec, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
