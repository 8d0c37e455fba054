"""Reading one YAML configuration file: its data and its node tree, which knows the line and
column of every key and value, and every way the file can fail as YAML (unreadable, not
UTF-8, empty, a syntax error, a value no safe loader makes, a key written twice)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from services.config.problems import Problem

__all__ = ["Document", "Key", "Names", "problem_at", "read_document"]

Key = str | int
"""One step of a key path: a mapping key or a list index, as in ``["targets", 0, "id"]``."""

_SYNTAX_FIX = "fix the YAML syntax: check the indentation, colons, brackets and quotes here"


def problem_at(file: str, node: yaml.Node, message: str, fix: str) -> Problem:
    """A problem at ``node``'s first character."""
    mark = node.start_mark
    return Problem(file, mark.line + 1, mark.column + 1, message, fix)


@dataclass(frozen=True)
class Document:
    """A parsed file: its name, its data, and the node tree that knows where each part is."""

    file: str
    data: Any
    root: yaml.Node

    def node(self, path: Sequence[Key], *, at_key: bool = False) -> yaml.Node:
        """The node at ``path`` (its key's node if ``at_key``); the deepest one that exists."""
        node = self.root
        for depth, part in enumerate(path):
            child = _child(node, part, key=at_key and depth == len(path) - 1)
            if child is None:
                break
            node = child
        return node

    def line(self, path: Sequence[Key]) -> int:
        """1-based line of the node at ``path``."""
        return int(self.node(path).start_mark.line) + 1

    def problem(
        self, path: Sequence[Key], message: str, fix: str, *, at_key: bool = False
    ) -> Problem:
        """A problem at the node of ``path`` (at its key if ``at_key``)."""
        return problem_at(self.file, self.node(path, at_key=at_key), message, fix)


@dataclass(frozen=True)
class Names:
    """How messages name a place: an item of the file's main list by its id (``target
    port.container_teu.2025 `baseline.date```), anything else by its key path."""

    whole: str
    items: str = ""
    noun: str = ""
    id_key: str = "id"

    def __call__(self, data: Any, path: Sequence[Key]) -> str:
        if self.items and len(path) >= 2 and path[0] == self.items and isinstance(path[1], int):
            listed = data.get(self.items) if isinstance(data, dict) else None
            item = listed[path[1]] if isinstance(listed, list) and path[1] < len(listed) else None
            name = item.get(self.id_key) if isinstance(item, dict) else None
            label = (
                f"{self.noun} {name}" if isinstance(name, str) else f"{self.noun} #{path[1] + 1}"
            )
            return f"{label} `{_dotted(path[2:])}`" if path[2:] else label
        return f"`{_dotted(path)}`" if path else self.whole


def _dotted(path: Sequence[Key]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


class _SafeLoader(yaml.SafeLoader):
    """PyYAML's safe loader, where an impossible date (2025-02-30) is a marked YAML error."""

    def construct_checked_timestamp(self, node: yaml.ScalarNode) -> object:
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a calendar date ({exc})", node.start_mark
            ) from exc


_SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _SafeLoader.construct_checked_timestamp)


class _TextDatesLoader(_SafeLoader):
    """The safe loader where 2025-12-31 stays the text "2025-12-31"."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_document(
    path: Path, *, empty_fix: str, dates_as_text: bool = False
) -> tuple[Document | None, list[Problem]]:
    """Parse ``path`` with a safe loader; the document (None if there is no data to check)
    and every problem it has as a YAML file. Keys written twice are problems, but the
    document still comes back (the later value wins, as in the data) so that the caller
    can report the rest too. ``empty_fix`` says what to write in an empty file."""
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        message = f"cannot read the file: {exc.strerror or exc}"
        return None, [Problem(file, None, None, message, "check the path and that it is a file")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be read)"
        return None, [Problem(file, line, column, message, "save the file as UTF-8")]
    try:
        loader = (_TextDatesLoader if dates_as_text else _SafeLoader)(text)
    except yaml.YAMLError as exc:  # a character YAML refuses, found before parsing
        return None, [_unmarked(file, text, exc)]
    try:
        return _compose(file, loader, empty_fix)
    except yaml.MarkedYAMLError as exc:
        return None, [_marked(file, exc)]
    except yaml.YAMLError as exc:
        return None, [_unmarked(file, text, exc)]
    finally:
        loader.dispose()


def _compose(
    file: str, loader: yaml.SafeLoader, empty_fix: str
) -> tuple[Document | None, list[Problem]]:
    root = loader.get_single_node()
    if root is None:
        return None, [Problem(file, 1, 1, "the file is empty", empty_fix)]
    problems = list(_repeated_keys(file, root))  # before construction merges `<<` keys
    data = loader.construct_document(root)
    if data is None:
        return None, [Problem(file, 1, 1, "the file holds no data", empty_fix)]
    return Document(file, data, root), problems


def _marked(file: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
    if isinstance(exc, yaml.constructor.ConstructorError):
        message = f"this value cannot be read: {exc.problem}"
        fix = "write a plain text, number, list or mapping (no YAML tags such as !!python)"
        return Problem(file, line, column, message, fix)
    message = f"not valid YAML: {exc.problem or exc}"
    if exc.context and exc.context_mark is not None and exc.problem_mark is not None:
        context = exc.context.removeprefix("while parsing ").removeprefix("while scanning ")
        message += f" (in {context} started on line {exc.context_mark.line + 1})"
    return Problem(file, line, column, message, _SYNTAX_FIX)


def _unmarked(file: str, text: str, exc: yaml.YAMLError) -> Problem:
    position = getattr(exc, "position", None)
    if not isinstance(position, int):
        return Problem(file, None, None, f"not valid YAML: {exc}", _SYNTAX_FIX)
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    fix = "remove the character, or write it as an escape inside double quotes"
    return Problem(file, line, column, f"not valid YAML: {exc}", fix)


def _repeated_keys(file: str, root: yaml.Node) -> Iterator[Problem]:
    seen: set[int] = set()  # an anchored node is visited once, however often it is used
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            todo.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value in first:
                    message = f"key `{key.value}` is repeated (first on line {first[key.value]})"
                    yield problem_at(file, key, message, "keep only one")
                elif isinstance(key, yaml.ScalarNode):
                    first[key.value] = key.start_mark.line + 1
            todo.extend(value for _, value in reversed(node.value))


def _child(node: yaml.Node, part: Key, *, key: bool) -> yaml.Node | None:
    if isinstance(node, yaml.SequenceNode):
        if isinstance(part, int) and 0 <= part < len(node.value):
            item: yaml.Node = node.value[part]
            return item
        return None
    if not isinstance(node, yaml.MappingNode):
        return None
    found: tuple[yaml.Node, yaml.Node] | None = None
    for k, v in node.value:  # the last of repeated keys, as the data holds it
        if isinstance(k, yaml.ScalarNode) and k.value == str(part):
            found = (k, v)
    if found is None:
        return None
    k, v = found
    # `key:` with nothing after it: point at the key, not at the empty value after it
    empty = isinstance(v, yaml.ScalarNode) and v.value == "" and v.style is None
    return k if key or empty else v
