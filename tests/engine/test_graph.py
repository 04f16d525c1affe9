"""Flow diagrams: deterministic Mermaid text, and Graphviz formats only where Graphviz is."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from bot.engine.graph import GraphRenderError, flow_to_dot, flow_to_mermaid, render_graph
from bot.engine.loader import load_flow_file
from bot.engine.schema import FlowSpec
from bot.errors import CrisisbotError

DATA = Path(__file__).parent / "data"


@pytest.fixture
def good_flow() -> FlowSpec:
    return load_flow_file(DATA / "good_flow.yaml").spec


def test_mermaid_of_the_good_flow_matches_the_golden_file(good_flow: FlowSpec) -> None:
    golden = (DATA / "good_flow.mmd").read_text(encoding="utf-8")
    assert flow_to_mermaid(good_flow) == golden, (
        "the diagram changed; if on purpose, rewrite tests/engine/data/good_flow.mmd with "
        "bot.engine.graph.render_graph(spec, 'mmd', path)"
    )


def test_star_transition_is_drawn_once_from_the_any_state_node(good_flow: FlowSpec) -> None:
    edges = [line.strip() for line in flow_to_mermaid(good_flow).splitlines() if "-->" in line]
    assert [edge for edge in edges if edge.endswith(": menu")] == ["ANY --> menu: menu"]


def _spec(**changes: object) -> FlowSpec:
    data: dict[str, object] = {
        "name": "demo",
        "title": 'A "quoted": title',
        "initial": "note",
        "states": [
            {
                "name": "note",
                "reply": "Hi.",
                "buttons": [{"label": "More", "trigger": "cost", "flow": "extras"}],
            },
            {"name": "end", "reply": "Bye.", "final": True},
        ],
        "transitions": [{"trigger": "go", "source": ["note", "end"], "dest": "end"}],
    }
    data.update(changes)
    return FlowSpec.model_validate(data)


def test_mermaid_keywords_and_other_flows_get_their_own_ids() -> None:
    text = flow_to_mermaid(_spec())
    assert 'title: "A \\"quoted\\": title"' in text
    assert '    state "note" as S_note' in text
    assert "    S_note --> S_end: go\n    S_end --> S_end: go\n" in text
    assert "    S_note --> FLOW_extras: cost\n" in text
    assert "    class FLOW_extras otherFlow\n" in text
    assert "ANY" not in text


def test_render_graph_writes_mermaid_without_graphviz(
    good_flow: FlowSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz now fails
    out = tmp_path / "flow.mmd"
    render_graph(good_flow, "mmd", out)
    assert out.read_text(encoding="utf-8") == flow_to_mermaid(good_flow)


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_svg_and_png_without_graphviz_say_how_to_install_it(
    good_flow: FlowSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", None)
    with pytest.raises(GraphRenderError, match=f"install Graphviz to draw {fmt}") as caught:
        render_graph(good_flow, fmt, tmp_path / f"flow.{fmt}")
    assert isinstance(caught.value, CrisisbotError)
    assert "--format mmd works without it" in str(caught.value)
    assert not (tmp_path / f"flow.{fmt}").exists()


class _ExecutableNotFound(RuntimeError):
    """Stands in for graphviz.ExecutableNotFound."""


def _fake_graphviz(drawn: bytes | None, calls: list[tuple[str, str]]) -> types.ModuleType:
    """A stand-in ``graphviz`` module; ``drawn=None`` acts as if the dot program is missing."""

    class Source:
        def __init__(self, source: str) -> None:
            self.source = source

        def pipe(self, format: str) -> bytes:  # graphviz's own keyword name
            calls.append((self.source, format))
            if drawn is None:
                raise _ExecutableNotFound("dot")
            return drawn

    module = types.ModuleType("graphviz")
    module.Source = Source  # type: ignore[attr-defined]
    module.ExecutableNotFound = _ExecutableNotFound  # type: ignore[attr-defined]
    return module


def test_svg_is_drawn_from_the_dot_source_when_graphviz_is_there(
    good_flow: FlowSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, str]] = []
    monkeypatch.setitem(sys.modules, "graphviz", _fake_graphviz(b"<svg/>", calls))
    out = tmp_path / "flow.svg"
    render_graph(good_flow, "svg", out)
    assert out.read_bytes() == b"<svg/>"
    assert calls == [(flow_to_dot(good_flow), "svg")]
    assert '  "ANY" -> "menu" [label="menu"];' in calls[0][0]


def test_graphviz_package_without_its_program_says_how_to_install_it(
    good_flow: FlowSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", _fake_graphviz(None, []))
    with pytest.raises(GraphRenderError, match="apt-get install graphviz"):
        render_graph(good_flow, "png", tmp_path / "flow.png")


def test_unknown_format_is_refused(good_flow: FlowSpec, tmp_path: Path) -> None:
    with pytest.raises(GraphRenderError, match="unknown diagram format 'pdf'; use mmd, svg or png"):
        render_graph(good_flow, "pdf", tmp_path / "flow.pdf")


def test_unwritable_output_is_reported(good_flow: FlowSpec, tmp_path: Path) -> None:
    with pytest.raises(GraphRenderError, match="cannot write"):
        render_graph(good_flow, "mmd", tmp_path / "missing" / "flow.mmd")
