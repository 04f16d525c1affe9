"""Loading operators' flow files safely, with every problem reported as ``path:line:col``.

A flow file goes through three gates, and each gate reports all it finds before giving up:

1. bytes: at most :data:`MAX_FLOW_BYTES`, not binary, valid UTF-8;
2. YAML: composed without anchors, aliases, duplicate keys or odd tags
   (:mod:`bot.engine.loader_yaml`); the top level must be a mapping;
3. schema: validated as :class:`~bot.engine.schema.FlowSpec`, each pydantic error put in plain
   words (:mod:`bot.engine.loader_messages`) at the line and column of the offending node.

A later gate runs only when the earlier ones passed: schema errors on a broken tree are noise.
Semantic checks across states and flows live in :mod:`bot.engine.check`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.engine.loader_messages import explain
from bot.engine.loader_yaml import (
    YamlProblem,
    compose_flow_yaml,
    position_in_text,
    position_of,
)
from bot.engine.schema import FlowSpec
from bot.errors import Diagnostic, FlowError

MAX_FLOW_BYTES = 256 * 1024
FLOW_SUFFIXES = (".yaml", ".yml")
# Past this many problems in one file the rest is noise (a file of aliases, say): show these first.
MAX_DIAGNOSTICS_PER_FILE = 50

Locate = Callable[[tuple[str | int, ...]], tuple[int, int]]


@dataclass(frozen=True)
class LoadedFlow:
    """A flow file that passed loading, with a way back from its data to its text.

    ``locate`` takes a pydantic-style ``loc`` (``("states", 2, "reply")``; ``(..., "[key]")``
    for a mapping key itself) and returns the 1-based (line, column) of that node, or of its
    nearest existing parent when the key is absent.
    """

    path: Path
    spec: FlowSpec
    version: str
    locate: Locate


class NodeIndex:
    """Finds the position of the node a validation error's ``loc`` points at.

    A ``loc`` is a path of mapping keys and list indices, as pydantic reports it. Segments that
    name no node (a missing key, a union member's tag) stop the walk at the nearest existing
    node. A ``"[key]"`` segment after a mapping key points at the key itself rather than its value.
    """

    def __init__(self, root: Node | None) -> None:
        self._root = root

    def node_at(self, loc: tuple[str | int, ...]) -> Node | None:
        """The deepest node along ``loc`` (the root if nothing matches)."""
        node = self._root
        for position, segment in enumerate(loc):
            if isinstance(node, MappingNode) and isinstance(segment, str):
                pair: tuple[Node, Node] | None = next(
                    (p for p in node.value if _key_text(p[0]) == segment), None
                )
                if pair is None:
                    return node
                wants_key = loc[position + 1 : position + 2] == ("[key]",)
                key_node, value_node = pair
                node = key_node if wants_key else value_node
                if wants_key:
                    return node
            elif isinstance(node, SequenceNode) and isinstance(segment, int):
                if not 0 <= segment < len(node.value):
                    return node
                item: Node = node.value[segment]
                node = item
            # any other segment (a union member's tag) names no node: stay where we are
        return node

    def locate(self, loc: tuple[str | int, ...]) -> tuple[int, int]:
        """The 1-based (line, column) of the node at ``loc`` or its nearest existing parent."""
        node = self.node_at(loc)
        return position_of(node) if node is not None else (1, 1)


def _key_text(node: Node) -> str | None:
    return node.value if isinstance(node, ScalarNode) else None


def _error(path: Path, line: int, column: int, message: str) -> Diagnostic:
    return Diagnostic(str(path), line, column, message)


def _read_text(path: Path) -> tuple[bytes, str]:
    """The file's bytes and text, or FlowError if it is unreadable, too big, binary or not UTF-8."""
    try:
        size = path.stat().st_size
        if size > MAX_FLOW_BYTES:
            raise FlowError([_too_big(path, size)])
        with path.open("rb") as stream:
            raw = stream.read(MAX_FLOW_BYTES + 1)
    except OSError as error:
        reason = error.strerror or str(error)
        raise FlowError(
            [_error(path, 1, 1, f"cannot read the file ({reason}); check the path")]
        ) from None
    if len(raw) > MAX_FLOW_BYTES:  # grew since stat
        raise FlowError([_too_big(path, len(raw))])
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        message = "this is a binary file, not YAML text; a flow file must be UTF-8 text"
        raise FlowError([_error(path, line, 1, message)])
    try:
        return raw, raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start].decode("utf-8", errors="replace")
        line, column = position_in_text(before, len(before))
        message = (
            f"the file is not valid UTF-8 (byte 0x{raw[error.start]:02x}); "
            "save it with UTF-8 encoding"
        )
        raise FlowError([_error(path, line, column, message)]) from None


def _capped(path: Path, problems: list[YamlProblem]) -> FlowError:
    """FlowError for ``problems`` in position order, at most MAX_DIAGNOSTICS_PER_FILE of them."""
    ordered = sorted(problems)
    shown = [_error(path, p.line, p.column, p.message) for p in ordered[:MAX_DIAGNOSTICS_PER_FILE]]
    hidden = len(ordered) - len(shown)
    if hidden > 0:
        last = ordered[MAX_DIAGNOSTICS_PER_FILE]
        message = f"{hidden} more problems not shown; fix the ones above and check again"
        shown.append(_error(path, last.line, last.column, message))
    return FlowError(shown)


def _too_big(path: Path, size: int) -> Diagnostic:
    message = (
        f"the file is {size} bytes, over the cap of {MAX_FLOW_BYTES} bytes; "
        "split the flow into smaller files"
    )
    return _error(path, 1, 1, message)


def load_yaml_document(path: Path, *, expected: str) -> tuple[bytes, dict[str, object], NodeIndex]:
    """Read an operator's YAML file through the same safe gates as a flow file.

    Returns the raw bytes, the top-level mapping and an index from data paths to positions.
    ``expected`` names the top-level keys for the error shown when the file is empty or not a
    mapping. Raises FlowError listing every problem found.
    """
    raw, text = _read_text(path)
    composed = compose_flow_yaml(text)
    if composed.problems:
        raise _capped(path, composed.problems)
    if composed.root is None:
        message = f"the file is empty; it needs at least {expected}"
        raise FlowError([_error(path, 1, 1, message)])
    index = NodeIndex(composed.root)
    if not isinstance(composed.data, dict):
        line, column = index.locate(())
        message = (
            f"the top level must be a mapping of keys ({expected}, ...), "
            f"not {_shape(composed.data)}"
        )
        raise FlowError([_error(path, line, column, message)])
    return raw, composed.data, index


def load_flow_file(path: Path) -> LoadedFlow:
    """Load and validate one flow file; raise FlowError listing every problem found."""
    raw, data, index = load_yaml_document(path, expected="name, title, initial, states")
    try:
        spec = FlowSpec.model_validate(data)
    except ValidationError as error:
        found = explain(error.errors(include_url=False), data)
        problems = [YamlProblem(*index.locate(e.loc), e.message) for e in found]
        raise _capped(path, problems) from None
    digest = hashlib.sha256(raw).hexdigest()
    # The operator's version label plus the content hash, so any edit is a new version.
    version = f"{spec.version}+{digest[:8]}" if spec.version else digest[:12]
    return LoadedFlow(path=path, spec=spec, version=version, locate=index.locate)


def _shape(data: object) -> str:
    if isinstance(data, list):
        return "a list"
    return "a single value" if data is not None else "nothing"


def flow_files(directory: Path) -> list[Path]:
    """The flow files directly inside ``directory`` (``*.yaml``, ``*.yml``; no hidden files)."""
    return sorted(
        entry
        for entry in directory.iterdir()
        if entry.suffix in FLOW_SUFFIXES and not entry.name.startswith(".") and entry.is_file()
    )


def load_flow_dir(directory: Path) -> list[LoadedFlow]:
    """Load every flow file in ``directory``, sorted by name; FlowError lists all files' problems.

    Sub-folders are not searched (``flows/tests`` holds the flows' own tests). A missing folder or
    one without flow files is an error too: a bot pointed at the wrong folder must not start empty.
    """
    if not directory.is_dir():
        message = "no such folder; point the bot at the folder that holds the flow files"
        raise FlowError([_error(directory, 1, 1, message)])
    paths = flow_files(directory)
    if not paths:
        message = "no flow files (*.yaml, *.yml) in this folder; add one or fix the path"
        raise FlowError([_error(directory, 1, 1, message)])
    loaded: list[LoadedFlow] = []
    diagnostics: list[Diagnostic] = []
    for path in paths:
        try:
            loaded.append(load_flow_file(path))
        except FlowError as error:
            diagnostics.extend(error.diagnostics)
    if diagnostics:
        raise FlowError(diagnostics)
    return loaded
