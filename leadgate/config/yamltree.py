"""A YAML tree that remembers the file and line of every value, through merging.

A bundle is two files deep-merged: ``leadgate.yaml`` and ``leadgate.local.yaml``.
Each file is parsed into :class:`Node` objects that carry their own file and line,
and the trees are merged. A section is validated by rendering it back to YAML and
loading that with strictyaml. The path of the failing value then leads back to its
node, and so to the file and line the owner wrote it on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import strictyaml
from strictyaml.ruamel.comments import CommentedMap, CommentedSeq
from strictyaml.ruamel.error import MarkedYAMLError

Path = tuple[str, ...]

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


@dataclass(frozen=True)
class Node:
    """One YAML value: a mapping, a list or a string, with where it was written.

    ``line`` is the 1-based line of the value and ``key_line`` the line of the key
    (or list dash) that contains it. The two differ for a nested mapping or list.
    """

    value: dict[str, Node] | list[Node] | str
    file: str
    line: int
    key_line: int

    @property
    def is_map(self) -> bool:
        """Whether the value is a mapping."""
        return isinstance(self.value, dict)

    @property
    def is_blank(self) -> bool:
        """Whether the value is an empty scalar (``key:`` with nothing after it)."""
        return isinstance(self.value, str) and not self.value.strip()

    def get(self, key: str) -> Node | None:
        """Return the child under ``key`` of a mapping, or ``None``."""
        return self.value.get(key) if isinstance(self.value, dict) else None

    def find(self, path: Path) -> Node | None:
        """Return the node at ``path`` (list indexes as digit strings), or ``None``."""
        node: Node | None = self
        for part in path:
            if node is None:
                return None
            if isinstance(node.value, dict):
                node = node.value.get(part)
            elif isinstance(node.value, list) and part.isdigit() and int(part) < len(node.value):
                node = node.value[int(part)]
            else:
                return None
        return node


@dataclass(frozen=True)
class YamlProblem(Exception):
    """A YAML document could not be parsed; ``kind`` is ``syntax`` or ``duplicate``."""

    kind: str
    line: int
    detail: str


def parse(source: str, file: str) -> Node:
    """Parse YAML text (flow style allowed) into a located tree.

    Raise :class:`YamlProblem` on a syntax error or a duplicate key; strictyaml
    rejects duplicate keys, which is how a channel listed twice is caught.
    """
    try:
        document = strictyaml.dirty_load(source, strictyaml.Any(), allow_flow_style=True)
    except strictyaml.DuplicateKeysDisallowed as error:
        raise YamlProblem("duplicate", _mark_line(error), _duplicate_name(error)) from error
    except MarkedYAMLError as error:
        raise YamlProblem("syntax", _mark_line(error), error.problem or "") from error
    # strictyaml misreports the line of the first key of a mapping inside a list, so
    # lines come from the ruamel tree it parsed, whose positions are exact.
    contents = document._chunk.contents
    if isinstance(contents, str) and not contents.strip():
        return Node({}, file, 1, 1)
    return _convert(contents, file, 0, 0)


def _mark_line(error: MarkedYAMLError) -> int:
    mark = error.problem_mark or error.context_mark
    return mark.line + 1 if mark is not None else 1


def _duplicate_name(error: MarkedYAMLError) -> str:
    found = re.search(r"'([^']*)'", error.problem or "")
    return found.group(1) if found else ""


def _convert(contents: Any, file: str, line: int, key_line: int) -> Node:
    # ``line`` and ``key_line`` are 0-based, as ruamel counts.
    if isinstance(contents, CommentedMap):
        children = {}
        for key, value in contents.items():
            key_at, _, value_at, _ = contents.lc.data[key]
            children[str(key)] = _convert(value, file, value_at, key_at)
        return Node(children, file, line + 1, key_line + 1)
    if isinstance(contents, CommentedSeq):
        items = []
        for index, item in enumerate(contents):
            item_at = contents.lc.data[index][0]
            items.append(_convert(item, file, item_at, item_at))
        return Node(items, file, line + 1, key_line + 1)
    return Node("" if contents is None else str(contents), file, line + 1, key_line + 1)


def merge(base: Node, override: Node) -> Node:
    """Deep-merge ``override`` onto ``base``: mappings key by key, anything else replaced."""
    if not (isinstance(base.value, dict) and isinstance(override.value, dict)):
        return override
    merged = dict(base.value)
    for key, child in override.value.items():
        merged[key] = merge(merged[key], child) if key in merged else child
    return replace(base, value=merged)


def walk(node: Node, path: Path = ()) -> Iterator[tuple[Path, Node]]:
    """Yield every node below and including ``node`` with its path."""
    yield path, node
    if isinstance(node.value, dict):
        for key, child in node.value.items():
            yield from walk(child, (*path, key))
    elif isinstance(node.value, list):
        for index, child in enumerate(node.value):
            yield from walk(child, (*path, str(index)))


@dataclass(frozen=True)
class LineOrigin:
    """The node a rendered line came from, and the mapping or list that contains it."""

    path: Path
    node: Node
    parent_path: Path
    parent: Node


@dataclass
class Rendering:
    """YAML text with one value per line and the origin of every line."""

    lines: list[str] = field(default_factory=list)
    origins: list[LineOrigin] = field(default_factory=list)

    def add(self, text: str, origin: LineOrigin) -> None:
        """Append one line of YAML and where it came from."""
        self.lines.append(text)
        self.origins.append(origin)

    @property
    def text(self) -> str:
        """The rendered document."""
        return "\n".join(self.lines) + "\n"


def _render_map(
    node: Node, children: dict[str, Node], path: Path, indent: int, first: str, out: Rendering
) -> None:
    # ``first`` is the list dash that opens the first line of a mapping inside a list.
    for position, (key, child) in enumerate(children.items()):
        prefix = first if position == 0 and first else " " * indent
        origin = LineOrigin((*path, key), child, path, node)
        label = key if _PLAIN_KEY.match(key) else json.dumps(key, ensure_ascii=False)
        if isinstance(child.value, dict) and child.value:
            out.add(f"{prefix}{label}:", origin)
            _render_map(child, child.value, (*path, key), indent + 2, "", out)
        elif isinstance(child.value, list) and child.value:
            out.add(f"{prefix}{label}:", origin)
            _render_list(child, child.value, (*path, key), indent + 2, out)
        else:
            out.add(f"{prefix}{label}: {_inline(child)}", origin)


def _render_list(node: Node, items: list[Node], path: Path, indent: int, out: Rendering) -> None:
    for index, item in enumerate(items):
        item_path = (*path, str(index))
        origin = LineOrigin(item_path, item, path, node)
        dash = " " * indent + "- "
        if isinstance(item.value, dict) and item.value:
            _render_map(item, item.value, item_path, indent + 2, dash, out)
        elif isinstance(item.value, list) and item.value:
            out.add(dash.rstrip(), origin)
            _render_list(item, item.value, item_path, indent + 2, out)
        else:
            out.add(f"{dash}{_inline(item)}", origin)


def _inline(node: Node) -> str:
    if isinstance(node.value, dict):
        return "{}"
    if isinstance(node.value, list):
        return "[]"
    # A JSON string literal is a valid double-quoted YAML scalar and keeps any text,
    # a multi-line consent text included, on a single line.
    return json.dumps(node.value, ensure_ascii=False)


@dataclass(frozen=True)
class SchemaProblem:
    """A strictyaml validation error, translated to a kind and the node it concerns.

    ``kind`` is ``missing_key``, ``unknown_key``, ``wrong_type``, ``blank``, ``secret``
    or ``invalid``. ``name`` is the key for the first two; ``expected`` is
    strictyaml's description of the expected value (``an integer``, say).
    """

    kind: str
    path: Path
    node: Node
    line: int
    name: str = ""
    expected: str = ""
    detail: str = ""


def validate(node: Node, schema: Any, path: Path) -> tuple[Any, SchemaProblem | None]:
    """Validate ``node``, found at ``path``, against a strictyaml ``schema``.

    Return the validated data and ``None``, or ``None`` and the problem. strictyaml
    stops at the first error, so one call finds at most one problem; the loader
    validates section by section to report more than one.
    """
    # The node is rendered under its own key, because strictyaml keeps the quotes of
    # a document that is a single quoted scalar.
    key = path[-1] if path else "value"
    wrapper = Node({key: node}, node.file, node.key_line, node.key_line)
    rendering = Rendering()
    _render_map(wrapper, {key: node}, path[:-1], 0, "", rendering)
    try:
        document = strictyaml.dirty_load(
            rendering.text, strictyaml.Map({key: schema}), allow_flow_style=True
        )
    except strictyaml.YAMLValidationError as error:
        return None, _translate(error, wrapper, path[:-1], rendering)
    return document.data[key], None


def _translate(
    error: strictyaml.YAMLValidationError, wrapper: Node, base: Path, rendering: Rendering
) -> SchemaProblem:
    problem = error.problem or ""
    context = error.context or ""
    quoted = re.search(r"'([^']*)'", problem)
    name = quoted.group(1) if quoted else ""
    relative = _error_path(error)
    if relative is not None:
        path, node = _deepest(wrapper, relative)
        path = (*base, *path)
    else:
        origin = _origin(rendering, error.problem_mark)
        path, node = origin.path, origin.node

    if problem.startswith("required key"):
        return SchemaProblem("missing_key", path, node, node.key_line, name)
    if problem.startswith("unexpected key"):
        return SchemaProblem("unknown_key", path, node, node.key_line, name)
    if context.startswith("when expecting"):
        expected = context.removeprefix("when expecting").strip()
        kind = "secret" if "${" in expected else "wrong_type"
        if problem == "found a blank string" and kind == "wrong_type":
            kind = "blank"
        return SchemaProblem(kind, path, node, node.line, expected=expected)
    return SchemaProblem("invalid", path, node, node.line, detail=f"{context} {problem}")


def _error_path(error: strictyaml.YAMLValidationError) -> Path | None:
    """Return the path strictyaml was validating when it failed, or ``None``.

    strictyaml computes its line marks by dumping the document again, which wraps long
    values onto extra lines, so the marks drift from the text it was given. The
    pointer of the failing chunk is exact. It is not public API, hence the fallback
    to the marks when it is missing.
    """
    try:
        indices = error._chunk.pointer._indices
    except AttributeError:
        return None
    path: list[str] = []
    for kind, value in indices:
        if kind in ("val", "key"):
            path.append(str(value[0]))
        elif kind == "index":
            path.append(str(value))
    return tuple(path)


def _deepest(root: Node, path: Path) -> tuple[Path, Node]:
    """Follow ``path`` from ``root`` as far as it goes; return the path reached and its node."""
    node = root
    reached: list[str] = []
    for part in path:
        child = node.find((part,))
        if child is None:
            break
        node = child
        reached.append(part)
    return tuple(reached), node


def _origin(rendering: Rendering, mark: Any) -> LineOrigin:
    index = mark.line if mark is not None else 0
    return rendering.origins[min(max(index, 0), len(rendering.origins) - 1)]
