"""The pure core: notebook -> pipeline spec -> checks.

Nothing here imports tornado, jupyter_server, IPython, prefect or great_expectations
(``tests/test_layering.py`` proves it), so the core is fast to import and easy to test.
"""

from jupyter_promote.core.pipeline import analyze_notebook
from jupyter_promote.core.spec import Diagnostic, Parameter, PipelineSpec, Step

__all__ = ["Diagnostic", "Parameter", "PipelineSpec", "Step", "analyze_notebook"]
