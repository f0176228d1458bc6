"""`licensebot kb check`: everything wrong with knowledge/*.yaml at once, each problem with its
file and line, for the editors who change the catalogue, the rules and the articles.

Loading the catalogue (bot/kb/catalog.py) stops at the first problem, which is right for the bot;
an editor wants the whole list, pointing at the line to change. The articles are passed in as the
ingest reads them (cleaned text, title, date), so a rule quote is checked against exactly the text
the bot will search.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.core.errors import KnowledgeError
from bot.core.text import fold, fold_aligned
from bot.core.models import STATUSES
from bot.kb.catalog import load_catalog
from bot.kb.evidence import load_cues
from bot.kb.glossary import load_glossary
from bot.kb.intents import load_intents
from bot.kb.messages import load_messages
from bot.kb.rule_quotes import locate_quote
from bot.kb.training import load_corpus, vocabulary


@dataclass(frozen=True)
class Problem:
    file: Path
    line: int
    message: str
    warning: bool = False  # said, but the knowledge still works as it is

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {'warning: ' if self.warning else ''}{self.message}"


class _Lines:
    """Line numbers of every key and list item of a YAML file, by path ("features", "x", "licenses")."""

    def __init__(self, path: Path):
        self.path = path
        self.lines: dict[tuple, int] = {}
        self.data = None
        self.error: Problem | None = None
        try:
            text = path.read_text(encoding="utf-8")
            self._walk(yaml.compose(text), ())
            self.data = yaml.safe_load(text)
        except FileNotFoundError:
            self.error = Problem(path, 1, "file not found")
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            self.error = Problem(
                path, (mark.line + 1) if mark else 1, f"not valid YAML: {getattr(exc, 'problem', exc)}"
            )

    def _walk(self, node, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                self.lines[path + (key.value,)] = key.start_mark.line + 1
                self._walk(value, path + (key.value,))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.lines[path + (i,)] = item.start_mark.line + 1
                self._walk(item, path + (i,))

    def at(self, *path) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


def _licences(lines: _Lines) -> tuple[set[str], list[Problem]]:
    problems: list[Problem] = []
    entries = (lines.data or {}).get("licenses") or {}
    owner: dict[str, str] = {}
    for slug, entry in entries.items():
        if not isinstance(entry, dict) or not entry.get("name"):
            problems.append(Problem(lines.path, lines.at("licenses", slug), f"licenses.{slug}: needs a 'name'"))
            continue
        words = [entry["name"], *(entry.get("aliases") or [])]
        for i, word in enumerate(words):
            key = fold(str(word))
            if key in owner and owner[key] != slug:
                where = lines.at("licenses", slug, "aliases", i - 1) if i else lines.at("licenses", slug, "name")
                problems.append(
                    Problem(
                        lines.path,
                        where,
                        f"licenses.{slug}: alias {word!r} is also an alias of "
                        f"licenses.{owner[key]}: a question naming it could mean either",
                    )
                )
            owner.setdefault(key, slug)
    if not entries:
        problems.append(Problem(lines.path, 1, "no licences defined"))
    return set(entries), problems


def _quote_problems(lines: _Lines, path: tuple, quote: dict, docs: dict[str, dict]) -> list[Problem]:
    if not isinstance(quote, dict) or not quote.get("source") or not quote.get("quote"):
        return [Problem(lines.path, lines.at(*path), "a quote needs 'source' (article file) and 'quote' (text)")]
    source, text = str(quote["source"]), str(quote["quote"])
    if not any(Path(d["source"]).name == Path(source).name for d in docs.values()):
        return [Problem(lines.path, lines.at(*path), f"source {source!r} is not an article in knowledge/articles")]
    if locate_quote(text, source, docs) is None:
        elsewhere = [Path(d["source"]).name for d in docs.values() if locate_quote(text, d["source"], {"x": d})]
        hint = f" (it is in {', '.join(elsewhere)})" if elsewhere else ""
        return [Problem(lines.path, lines.at(*path), f"quote not verbatim in {source}{hint}: {text[:40]!r}")]
    return []


def _rules(lines: _Lines, slugs: set[str], docs: dict[str, dict]) -> list[Problem]:
    problems: list[Problem] = []
    data = lines.data or {}
    features = data.get("features") or {}
    for key, feature in features.items():
        if not isinstance(feature, dict):
            problems.append(Problem(lines.path, lines.at("features", key), f"features.{key}: expected a mapping"))
            continue
        for other in feature.get("overridden_by") or []:
            if other not in features:
                problems.append(
                    Problem(
                        lines.path,
                        lines.at("features", key, "overridden_by"),
                        f"features.{key}.overridden_by: unknown feature {other!r}",
                    )
                )
        rules = feature.get("licenses") or {}
        if not rules:
            problems.append(
                Problem(lines.path, lines.at("features", key), f"features.{key}: needs at least one licence rule")
            )
        for slug, rule in rules.items():
            here = ("features", key, "licenses", slug)
            if slug not in slugs:
                problems.append(
                    Problem(
                        lines.path,
                        lines.at(*here),
                        f"features.{key}.licenses: unknown licence slug {slug!r} "
                        f"(licenses.yaml has {', '.join(sorted(slugs))})",
                    )
                )
            rule = rule if isinstance(rule, dict) else {}
            if rule.get("status") not in STATUSES:
                problems.append(
                    Problem(
                        lines.path,
                        lines.at(*here, "status"),
                        f"features.{key}.licenses.{slug}.status: one of {sorted(STATUSES)}",
                    )
                )
            if not str(rule.get("reason") or "").strip():
                problems.append(Problem(lines.path, lines.at(*here), f"features.{key}.licenses.{slug}: needs a reason"))
            quotes = rule.get("quotes") or []
            if not quotes:
                problems.append(
                    Problem(lines.path, lines.at(*here), f"features.{key}.licenses.{slug}: needs at least one quote")
                )
            for i, quote in enumerate(quotes):
                problems += _quote_problems(lines, here + ("quotes", i), quote, docs)
    for key, topic in (data.get("topics") or {}).items():
        topic = topic if isinstance(topic, dict) else {}
        for slug in topic.get("licenses") or []:
            if slug not in slugs:
                problems.append(
                    Problem(
                        lines.path,
                        lines.at("topics", key, "licenses"),
                        f"topics.{key}.licenses: unknown licence slug {slug!r}",
                    )
                )
        for i, quote in enumerate(topic.get("quotes") or []):
            problems += _quote_problems(lines, ("topics", key, "quotes", i), quote, docs)
    if data.get("commercial_test"):
        problems += _quote_problems(lines, ("commercial_test",), data["commercial_test"], docs)
    return problems


def _loads(knowledge_dir: Path) -> list[Problem]:
    """The other files, through the loaders the bot uses (they name the entry that is wrong)."""
    problems = []
    for name, loader in (
        ("glossary.yaml", load_glossary),
        ("intents.yaml", load_intents),
        ("evidence.yaml", load_cues),
    ):
        lines = _Lines(knowledge_dir / name)
        if lines.error:
            problems.append(lines.error)
            continue
        try:
            loader(knowledge_dir / name)
        except KnowledgeError as exc:
            problems.append(Problem(knowledge_dir / name, 1, str(exc).split(": ", 1)[-1]))
    try:
        load_messages(knowledge_dir)
    except KnowledgeError as exc:  # names messages/<language>.yaml and the key
        where, _, what = str(exc).partition(": ")
        problems.append(Problem(Path(where), 1, what))
    return problems + _unknown_kinds(knowledge_dir)


def _unknown_kinds(knowledge_dir: Path) -> list[Problem]:
    """Evidence kinds intents.yaml asks for that evidence.yaml does not define (a typo would leave
    an intent with nothing to quote, or every question asking for a figure 'unanswered')."""
    try:
        book, kinds = (
            load_intents(knowledge_dir / "intents.yaml"),
            set(load_cues(knowledge_dir / "evidence.yaml").kinds),
        )
    except KnowledgeError:
        return []  # said above
    lines = _Lines(knowledge_dir / "intents.yaml")
    wanted = [(("intents", i.name, "evidence"), k) for i in book.intents for k in i.evidence]
    wanted += [(("figures", f.name, "kind"), f.kind) for f in book.figures]
    return [
        Problem(lines.path, lines.at(*where), f"{'.'.join(where)}: {kind!r} is not a kind in evidence.yaml")
        for where, kind in wanted
        if kind not in kinds
    ]


def check_knowledge(knowledge_dir: Path, docs: list[dict]) -> list[Problem]:
    """Every problem found; `docs` are the articles as ingest reads them (source, text, date)."""
    by_id = {}
    problems: list[Problem] = []
    for doc in docs:
        by_id[doc["doc_id"]] = {**doc, "_folded": fold_aligned(doc["text"])}
        if not doc.get("date"):
            problems.append(
                Problem(
                    Path(doc["source"]),
                    1,
                    "no publication date found: answers show 日期不详 "
                    "(add a line like “时间:2025-07-02” under the title)",
                    warning=True,
                )
            )
    licences = _Lines(knowledge_dir / "licenses.yaml")
    rules = _Lines(knowledge_dir / "rules.yaml")
    for lines in (licences, rules):
        if lines.error:
            problems.append(lines.error)
    slugs, found = _licences(licences) if not licences.error else (set(), [])
    problems += found
    if not rules.error:
        problems += _rules(rules, slugs, by_id)
    problems += _loads(knowledge_dir)
    if not any(not p.warning for p in problems):
        try:
            load_catalog(knowledge_dir)
        except KnowledgeError as exc:
            problems.append(Problem(knowledge_dir / "rules.yaml", 1, str(exc)))
        else:
            problems += _training(knowledge_dir) + _students(knowledge_dir)
    return problems


def _students(knowledge_dir: Path) -> list[Problem]:
    """The shipped students (knowledge/models/): one the bot would not load (stale after an edit to the
    corpus or to a knowledge file it learned from, unreadable) is a warning: answering then reads what
    it would read by the rules it falls back on."""
    from bot.kb.learned import store

    problems = []
    for folder in sorted(p for p in (knowledge_dir / "models").glob("*") if p.is_dir()):
        try:
            meta = store.read_meta(folder)
            reason = store.stale_reason(meta, knowledge_dir / "training", str(meta.get("embedder")))
        except store.ReaderNotReady as exc:
            reason = str(exc)
        if reason:
            problems.append(
                Problem(
                    folder / store.MODEL_JSON,
                    1,
                    f"the {folder.name} student is not used ({reason}): "
                    f"run `licensebot kb train --{folder.name.replace('_', '-')}`",
                    warning=True,
                )
            )
    return problems


def _training(knowledge_dir: Path) -> list[Problem]:
    """The labelled corpus (knowledge/training/): each bad line named with its field."""
    folder = knowledge_dir / "training"
    if not folder.is_dir():
        return []
    corpus = load_corpus(folder, vocabulary(knowledge_dir))
    return [Problem(file, line, message) for file, line, message in corpus.problems]
