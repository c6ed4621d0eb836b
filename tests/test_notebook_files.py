"""Reading notebook files: every broken input gets a clear error, never a traceback."""

import json

import nbformat
import pytest

from jupyter_promote.analysis.notebook import read_notebook
from jupyter_promote.errors import NotebookError, NotebookNotFound
from jupyter_promote.services.check import check
from nbbuild import make_nb, write_nb


def test_missing_file(tmp_path):
    with pytest.raises(NotebookNotFound) as info:
        read_notebook(tmp_path / "nope.ipynb")
    assert "does not exist" in info.value.render()
    assert info.value.http_status == 404


def test_bad_json_names_line_and_column(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text('{"nbformat": 4,\n "cells": [')
    with pytest.raises(NotebookError) as info:
        read_notebook(path)
    text = info.value.render()
    assert "is not valid JSON (line 2, column" in text
    assert "save it again" in text


def test_not_a_notebook(tmp_path):
    path = tmp_path / "data.ipynb"
    path.write_text(json.dumps({"hello": "world"}))
    with pytest.raises(NotebookError, match="is not a Jupyter notebook"):
        read_notebook(path)


def test_binary_file(tmp_path):
    path = tmp_path / "bin.ipynb"
    path.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(NotebookError, match="cannot read notebook"):
        read_notebook(path)


def test_invalid_schema_names_the_place(tmp_path):
    path = tmp_path / "invalid.ipynb"
    raw = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [{"cell_type": "code", "id": "a1", "source": "x = 1", "metadata": {}}],
    }
    path.write_text(json.dumps(raw))
    with pytest.raises(NotebookError) as info:
        read_notebook(path)
    assert "is not a valid nbformat 4 notebook: 'outputs' is a required property" in str(info.value)
    assert "(at cells/0)" in str(info.value)


def test_newer_nbformat_is_refused(tmp_path):
    path = tmp_path / "future.ipynb"
    path.write_text(json.dumps({"nbformat": 5, "nbformat_minor": 0, "metadata": {}, "cells": []}))
    with pytest.raises(NotebookError, match="nbformat 5, newer than"):
        read_notebook(path)


def _v3_notebook():
    return {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {"name": "old"},
        "worksheets": [
            {
                "metadata": {},
                "cells": [
                    {
                        "cell_type": "code",
                        "input": "x = 1",
                        "outputs": [],
                        "language": "python",
                        "metadata": {"tags": ["step:load"]},
                    },
                    {
                        "cell_type": "code",
                        "input": "y = x + 1",
                        "outputs": [],
                        "language": "python",
                        "metadata": {"tags": ["step:use"]},
                    },
                ],
            }
        ],
    }


def test_nbformat3_is_upgraded_with_a_warning(tmp_path):
    path = tmp_path / "v3.ipynb"
    path.write_text(json.dumps(_v3_notebook()))
    spec = check(path)
    assert spec.ok
    assert spec.order == ["load", "use"]
    assert spec.step("use").depends_on == ["load"]
    [warning] = [d for d in spec.diagnostics if d.code == "old-nbformat"]
    assert "nbformat 3; it was read as nbformat 4" in warning.render()


def test_nbformat2_is_upgraded(tmp_path):
    path = tmp_path / "v2.ipynb"
    raw = {
        "nbformat": 2,
        "metadata": {"name": "x"},
        "worksheets": [
            {
                "cells": [
                    {"cell_type": "code", "input": "z = 1", "outputs": [], "language": "python"}
                ]
            }
        ],
    }
    path.write_text(json.dumps(raw))
    loaded = read_notebook(path)
    assert loaded.nb.nbformat == 4
    assert loaded.nb.cells[0].source == "z = 1"


def test_r_kernel_is_refused(tmp_path):
    nb = make_nb(("step:a", "x <- 1"))
    nb.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    nb.metadata["language_info"] = {"name": "R"}
    with pytest.raises(NotebookError) as info:
        read_notebook(write_nb(tmp_path / "r.ipynb", nb))
    text = info.value.render()
    assert "uses the 'ir' kernel (r); jupyter-promote runs Python notebooks only" in text
    assert "Change Kernel" in text


def test_notebook_without_kernelspec_is_read_as_python(tmp_path):
    nb = make_nb(("step:a", "x = 1"))
    del nb.metadata["kernelspec"]
    del nb.metadata["language_info"]
    loaded = read_notebook(write_nb(tmp_path / "plain.ipynb", nb))
    assert loaded.kernel == "python3"


def test_tags_stored_as_a_string(tmp_path):
    nb = make_nb(("step:load", "x = 1"), "y = x")
    raw = json.loads(nbformat.writes(nb))
    raw["cells"][1]["metadata"]["tags"] = "step:use"
    path = tmp_path / "stringtags.ipynb"
    path.write_text(json.dumps(raw))
    spec = check(path)
    [problem] = [d for d in spec.diagnostics if d.code == "tags-not-list"]
    assert problem.severity == "error"
    assert problem.cell_index == 1
    assert problem.render() == (
        "cell 2: the cell's tags are stored as a string ('step:use'), not a list; store them"
        ' as a list: "tags": ["step:use"] (JupyterLab\'s property inspector writes them this way)'
    )
    # the rest of the analysis still sees the tag, so other problems are reported at once
    assert [s.name for s in spec.steps] == ["load", "use"]


def test_sources_stored_as_lists_of_lines(tmp_path):
    nb = make_nb(("step:load", "a = 1\nb = 2"), ("step:use", "c = a + b"))
    raw = json.loads(nbformat.writes(nb))
    raw["cells"][0]["source"] = ["a = 1\n", "b = 2"]
    path = tmp_path / "lines.ipynb"
    path.write_text(json.dumps(raw))
    spec = check(path)
    assert spec.step("load").defines == ["a", "b"]
