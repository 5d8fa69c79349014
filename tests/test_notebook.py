"""The example notebook runs top to bottom in a real kernel (nbclient + ipykernel)."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "notebook.ipynb"


def test_example_notebook_runs_without_errors(tmp_path: Path) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()  # raises CellExecutionError if any cell fails
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    markdown = [o for o in outputs if "text/markdown" in o.get("data", {})]
    assert any("Virtual environments" in o["data"]["text/markdown"] for o in markdown)
    assert sys.executable  # the kernel is this interpreter's ipykernel


def test_display_stream_as_the_last_line_renders_once(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from copilot_sdk import CopilotClient, ProviderConfig\n"
            "from copilot_sdk.notebook import display_stream\n"
            "from copilot_sdk.testing import MockModelServer\n"
            "server = MockModelServer().start()\n"
            "client = CopilotClient(provider=ProviderConfig(type='openai', base_url=server.openai_base_url),"
            " store=':memory:')\n"
            "session = client.create_session(model='gpt-5')"
        ),
        nbformat.v4.new_code_cell("display_stream(session, 'Say hello')"),
        nbformat.v4.new_code_cell("client.stop(); server.stop()"),
    ]
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = nb.cells[1]["outputs"]
    assert [o["output_type"] for o in outputs] == ["display_data"], outputs
    assert "Say hello" in outputs[0]["data"]["text/markdown"]
