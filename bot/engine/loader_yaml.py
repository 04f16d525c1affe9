"""Safe reading of a flow file's YAML into plain data, keeping every node's position.

PyYAML is used only to compose a node tree (``SafeLoader`` machinery, never a constructor that
can build objects). Anchors and aliases are refused where they stand and never resolved, so a
"billion laughs" file costs no more than its own size. Duplicate keys, non-string keys, unusual tags
and over-deep nesting are reported too. Every problem found is collected, not just the first.

Positions are 1-based ``(line, column)``; PyYAML's marks are 0-based.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

# A flow file is at most flow -> states -> state -> buttons -> button -> field: a few levels deep.
MAX_NESTING = 32
_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(
    _TAG + name for name in ("str", "null", "bool", "int", "float", "timestamp")
)
_READ_AS = {
    "bool": "true/false",
    "int": "a number",
    "float": "a number",
    "timestamp": "a date",
    "null": "empty",
}
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE


@dataclass(frozen=True, order=True)
class YamlProblem:
    """One problem in the YAML itself, at a 1-based position."""

    line: int
    column: int
    message: str


def position_in_text(text: str, index: int) -> tuple[int, int]:
    """The 1-based (line, column) of character ``index``, counting line breaks as YAML does."""
    line, line_start = 1, 0
    for match in _LINE_BREAK.finditer(text, 0, index):
        line, line_start = line + 1, match.end()
    return line, index - line_start + 1


def position_of(node_or_mark: Node | yaml.Mark) -> tuple[int, int]:
    """The 1-based (line, column) where a node or mark starts."""
    mark = node_or_mark.start_mark if isinstance(node_or_mark, Node) else node_or_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


class _TooDeep(Exception):
    """Raised by the composer to stop at the first over-deep node."""

    def __init__(self, mark: yaml.Mark | None) -> None:
        super().__init__("nesting too deep")
        self.mark = mark


class FlowYamlLoader(yaml.SafeLoader):
    """A ``SafeLoader`` whose composer refuses anchors and aliases without resolving them.

    Each anchor or alias is recorded as a problem at its own position; an alias is replaced by an
    empty placeholder so composing goes on and finds the rest, and nothing is ever shared or
    expanded.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.problems: list[YamlProblem] = []
        self._depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        """Compose one node, refusing anchors, aliases and over-deep nesting."""
        if self.check_event(AliasEvent):
            alias = self.get_event()  # type: ignore[no-untyped-call]  # untyped in the stubs
            self._refuse(alias.start_mark, f"alias '*{alias.anchor}'")
            return ScalarNode(_TAG + "null", "", alias.start_mark, alias.end_mark)
        event = self.peek_event()  # type: ignore[no-untyped-call]  # untyped in the stubs
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self._refuse(event.start_mark, f"anchor '&{anchor}'")
            event.anchor = None
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                raise _TooDeep(event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def _refuse(self, mark: yaml.Mark | None, what: str) -> None:
        line, column = position_of(mark) if mark is not None else (1, 1)
        self.problems.append(
            YamlProblem(
                line,
                column,
                f"{what}: anchors and aliases are not allowed in flow files; "
                "write the repeated part out in full",
            )
        )


def _syntax_message(error: yaml.MarkedYAMLError) -> str:
    """PyYAML's complaint in words an operator can act on, with a fix."""
    problem = error.problem or "invalid YAML"
    opened = ""
    if error.context_mark is not None:
        line, column = position_of(error.context_mark)
        opened = f" (it starts at {line}:{column})"
    if "'\\t'" in problem:
        return "tab character: YAML indentation must use spaces, not tabs; replace it with spaces"
    if problem.startswith("mapping values are not allowed"):
        return (
            "unexpected ':' here: this line is indented deeper than the key above it, or a value "
            "contains ': ' and needs quotes; fix the indentation or quote the value"
        )
    if problem.startswith("expected <block end>") and "found '<" in problem:
        return (
            "bad indentation: this line does not line up with the block above it"
            f"{opened}; indent it exactly like its siblings"
        )
    if "found another document" in problem:
        return "a flow file holds one YAML document; remove the extra '---' separator"
    if "<stream end>" in problem or "end of stream" in problem:
        return f"the file ends inside an unfinished value{opened}: close its bracket or quote"
    if problem.startswith(("expected ',' or ']'", "expected ',' or '}'")):
        return (
            "items inside [...] or {...} are separated by ',' and need a closing bracket"
            f"{opened}; a value with ':', '?', '#', '[' or '{{' in it needs quotes"
        )
    if ", but found " in problem:
        found = problem.split(", but found ", 1)[1]
        return f"unexpected {found} here; remove it, or put the value in quotes"
    return f"YAML syntax error: {problem}{f' ({error.context})' if error.context else ''}"


@dataclass
class ComposedYaml:
    """The result of reading a flow file's text: root node (if any), data and problems."""

    root: Node | None
    data: object = None
    problems: list[YamlProblem] = field(default_factory=list)


def compose_flow_yaml(text: str) -> ComposedYaml:
    """Compose ``text`` into nodes and plain data, collecting every YAML-level problem."""
    problems = [
        YamlProblem(
            *position_in_text(text, match.start()),
            f"unprintable character U+{ord(match.group()):04X}; remove it",
        )
        for match in _NON_PRINTABLE.finditer(text)
    ]
    if problems:
        return ComposedYaml(None, problems=problems)
    loader = FlowYamlLoader(text)
    try:
        root = loader.get_single_node()
    except _TooDeep as error:
        line, column = position_of(error.mark) if error.mark is not None else (1, 1)
        message = f"nesting deeper than {MAX_NESTING} levels; a flow file is only a few levels deep"
        return ComposedYaml(None, problems=[*loader.problems, YamlProblem(line, column, message)])
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = position_of(mark) if mark is not None else (1, 1)
        problem = YamlProblem(line, column, _syntax_message(error))
        return ComposedYaml(None, problems=[*loader.problems, problem])
    finally:
        loader.dispose()
    composed = ComposedYaml(root, problems=loader.problems)
    if root is not None:
        composed.data = _DataBuilder(loader, composed.problems).build(root)
    return composed


class _DataBuilder:
    """Turns a composed node tree into dicts, lists and scalars, checking keys and tags."""

    def __init__(self, loader: FlowYamlLoader, problems: list[YamlProblem]) -> None:
        self._loader = loader
        self._problems = problems

    def _problem(self, node: Node, message: str) -> None:
        self._problems.append(YamlProblem(*position_of(node), message))

    def build(self, node: Node) -> object:
        """Plain Python data for ``node``; problems are recorded, not raised."""
        if isinstance(node, MappingNode):
            if node.tag != _TAG + "map":
                self._problem(node, f"tag {node.tag!r} is not allowed in flow files; remove it")
            return self._mapping(node)
        if isinstance(node, SequenceNode):
            if node.tag != _TAG + "seq":
                self._problem(node, f"tag {node.tag!r} is not allowed in flow files; remove it")
            return [self.build(item) for item in node.value]
        return self._scalar(node)

    def _mapping(self, node: MappingNode) -> dict[str, object]:
        result: dict[str, object] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not (isinstance(key_node, ScalarNode) and key_node.tag == _TAG + "str"):
                self._problem(key_node, _bad_key_message(key_node))
                continue
            key = key_node.value
            if key in first_line:
                self._problem(
                    key_node,
                    f"duplicate key {key!r} (first defined on line {first_line[key]}); "
                    "YAML would silently keep only the last one, so remove or rename one",
                )
                continue
            first_line[key] = position_of(key_node)[0]
            result[key] = self.build(value_node)
        return result

    def _scalar(self, node: Node) -> object:
        if not isinstance(node, ScalarNode) or node.tag not in _SCALAR_TAGS:
            self._problem(node, f"tag {node.tag!r} is not allowed in flow files; remove it")
            return None
        kind = node.tag.removeprefix(_TAG)
        try:
            if kind == "null":
                return None
            if kind == "bool":
                return self._loader.construct_yaml_bool(node)
            if kind == "int":
                return self._loader.construct_yaml_int(node)
            if kind == "float":
                return self._loader.construct_yaml_float(node)
            if kind == "timestamp":
                return self._loader.construct_yaml_timestamp(node)
        except (ValueError, yaml.YAMLError) as error:
            what = "date" if kind == "timestamp" else kind
            self._problem(node, f"{node.value!r} is not a valid {what} ({error}); fix it")
            return None
        return str(node.value)


def _bad_key_message(key_node: Node) -> str:
    if isinstance(key_node, ScalarNode):
        if key_node.tag == _TAG + "merge":
            return "merge keys ('<<') are not allowed in flow files; write the keys out in full"
        kind = key_node.tag.removeprefix(_TAG)
        if kind == "null" and not key_node.value:
            return "a key is empty; write a name before the ':'"
        read_as = _READ_AS.get(kind, f"a {kind}")
        return f"key {key_node.value!r} is read by YAML as {read_as}, not text; put it in quotes"
    return "a key must be a plain word, not a list or mapping; use a name as the key"
