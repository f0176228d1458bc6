"""Reading a YAML file of knowledge/ into its pydantic model, with every problem at its line.

The bot and `licensebot kb check` read the same files through the same models
(bot/core/knowledge_files.py): the bot stops at the first problem, an editor wants them all, and
both want `file:line: field: problem`, because the people who edit these files are compliance
staff, not programmers. Line numbers come from the YAML node tree; a pydantic error's location
(`features.x.licenses.icp.status`) is looked up in it, falling back to the nearest enclosing key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.core.errors import KnowledgeError

M = TypeVar("M", bound=BaseModel)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where the wheel has it


def safe_load(text: str) -> Any:
    """yaml.safe_load with libyaml's parser where the wheel has it (the knowledge files are read at
    every start-up)."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader


Location = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    file: Path
    line: int
    message: str
    warning: bool = False  # said, but the knowledge still works as it is

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {'warning: ' if self.warning else ''}{self.message}"

    @classmethod
    def of_error(cls, text: str) -> Problem:
        """A KnowledgeError's `file[:line]: problem` as a Problem."""
        found = re.match(r"(.+?)(?::(\d+))?: (.*)", text, re.S)
        if not found:
            return cls(Path("knowledge"), 1, text)
        return cls(Path(found[1]), int(found[2] or 1), found[3])


@dataclass
class YamlFile:
    """A YAML file's data and the line of every key and list item in it, by path ("features", "x")."""

    path: Path
    data: Any = None
    error: Problem | None = None
    lines: dict[Location, int] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> YamlFile:
        found = cls(path)
        try:
            found.data = found._parsed(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            found.error = Problem(path, 1, "file not found")
        except UnicodeDecodeError as exc:
            found.error = Problem(path, 1, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = (mark.line + 1) if mark else 1
            found.error = Problem(path, line, f"not valid YAML: {getattr(exc, 'problem', exc)}")
        return found

    def _parsed(self, text: str) -> Any:
        """The data, parsed once: the node tree gives the lines, the same tree the data."""
        loader = _LOADER(text)
        try:
            node = loader.get_single_node()
            self._walk(node, ())
            return None if node is None else loader.construct_document(node)
        finally:
            loader.dispose()

    def _walk(self, node: yaml.Node | None, path: Location) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                self.lines[(*path, key.value)] = key.start_mark.line + 1
                self._walk(value, (*path, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.lines[(*path, i)] = item.start_mark.line + 1
                self._walk(item, (*path, i))

    def at(self, *path: str | int) -> int:
        """The line of `path`, or of the nearest key around it (1: the file as a whole)."""
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def problem(self, message: str, *path: str | int, warning: bool = False) -> Problem:
        return Problem(self.path, self.at(*path), message, warning)


@dataclass
class Parsed(Generic[M]):
    """A file read into its model (`value`, None when it could not be), and every problem found."""

    file: YamlFile
    value: M | None
    problems: list[Problem]

    def required(self) -> M:
        """The model, or KnowledgeError naming the first problem (`file:line: field: problem`)."""
        if self.value is None or self.problems:
            raise KnowledgeError(str(self.problems[0]) if self.problems else f"{self.file.path}: empty")
        return self.value


def dotted(location: Location) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in location).replace(".[", "[")


def problems_of(file: YamlFile, error: ValidationError) -> list[Problem]:
    out = []
    for e in error.errors(include_url=False):
        location = tuple(
            p for p in e["loc"] if not (isinstance(p, str) and (p.startswith("function-") or p == "[key]"))
        )
        message = str(e["msg"]).removeprefix("Value error, ")
        out.append(file.problem(f"{dotted(location) or 'file'}: {message}" if location else message, *location))
    return out


def parse(path: Path, model: type[M], context: Mapping[str, Any] | None = None, optional: bool = False) -> Parsed[M]:
    """`path` read into `model`; `context` goes to the model's validators (what other files define,
    such as the licence slugs a rule may name). `optional`: a missing file reads as empty."""
    file = YamlFile.read(path)
    if file.error:
        if optional and not path.exists():
            return Parsed(file, model.model_validate({}, context=dict(context or {})), [])
        return Parsed(file, None, [file.error])
    data = {} if file.data is None else file.data
    if not isinstance(data, dict):
        return Parsed(file, None, [file.problem("expected a mapping (key: value lines) at the top level")])
    try:
        value = model.model_validate(data, context=dict(context or {}))
    except ValidationError as exc:
        return Parsed(file, None, problems_of(file, exc))
    checks = getattr(value, "problems", None)  # checks across entries (bot/core/knowledge_files.Entry)
    found = [file.problem(f"{dotted(where)}: {what}", *where) for where, what in (checks() if checks else [])]
    return Parsed(file, value, found)


def load_model(path: Path, model: type[M], context: Mapping[str, Any] | None = None, optional: bool = False) -> M:
    """What the bot loads: the model, or KnowledgeError with the first problem."""
    return parse(path, model, context, optional).required()
