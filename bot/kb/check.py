"""`licensebot kb check`: everything wrong with knowledge/*.yaml at once, each problem with its
file and line, for the editors who change the catalogue, the rules and the articles.

Every file is read through the same pydantic model the bot loads it with (bot/core/knowledge_files.py);
the bot stops at the first problem, which is right for it; an editor wants the whole list, each at
the line to change (`file:line: field: problem`). The articles are passed in as the
ingest reads them (cleaned text, title, date), so a rule quote is checked against exactly the text
the bot will search.
"""

from __future__ import annotations

from typing import Any

from pathlib import Path

from bot.core import knowledge_files as kf
from bot.core.errors import KnowledgeError
from bot.core.yaml_files import Location, Parsed, Problem, YamlFile, dotted, parse
from bot.index.units import Doc
from bot.kb.catalog import load_catalog
from bot.kb.messages import load_messages
from bot.kb.rule_quotes import locate_quote
from bot.kb.training import load_corpus, vocabulary


def _quote_problems(file: YamlFile, where: Location, quote: kf.Quote, docs: dict[str, Doc]) -> list[Problem]:
    source, text = quote.source, quote.quote
    if not any(Path(d.source).name == Path(source).name for d in docs.values()):
        return [file.problem(f"{dotted(where)}: source {source!r} is not an article in knowledge/articles", *where)]
    if locate_quote(text, source, docs) is None:
        elsewhere = [Path(d.source).name for d in docs.values() if locate_quote(text, d.source, {"x": d})]
        hint = f" (it is in {', '.join(elsewhere)})" if elsewhere else ""
        return [file.problem(f"{dotted(where)}: quote not verbatim in {source}{hint}: {text[:40]!r}", *where)]
    return []


def _files(knowledge_dir: Path) -> tuple[list[Problem], Parsed[kf.RulesFile]]:
    """Every YAML file through the model the bot loads it with, each with what the others define."""
    licences = parse(knowledge_dir / "licenses.yaml", kf.LicensesFile)
    slugs = set(licences.value.licenses) if licences.value else None
    evidence = parse(knowledge_dir / "evidence.yaml", kf.EvidenceFile)
    kinds = set(evidence.value.kinds) if evidence.value else None
    rules = parse(knowledge_dir / "rules.yaml", kf.RulesFile, None if slugs is None else {"licences": slugs})
    if rules.value is None and slugs is not None:  # a wrong slug: the quotes can still be checked
        rules = Parsed(rules.file, parse(rules.file.path, kf.RulesFile).value, rules.problems)
    others: list[Parsed[Any]] = [
        parse(knowledge_dir / "glossary.yaml", kf.GlossaryFile, optional=True),
        parse(knowledge_dir / "intents.yaml", kf.IntentsFile, None if kinds is None else {"kinds": kinds}),
        parse(knowledge_dir / "cleaning.yaml", kf.CleaningFile),
        *(parse(knowledge_dir / "messages" / f"{lang}.yaml", kf.MessagesFile) for lang in kf.LANGUAGES),
    ]
    every: list[Parsed[Any]] = [licences, evidence, rules, *others]
    problems = [p for parsed in every for p in parsed.problems]
    if licences.value:
        problems += [licences.file.problem(what, *where) for where, what in licences.value.shared_aliases()]
    return problems, rules


def check_knowledge(knowledge_dir: Path, docs: list[Doc] | None) -> list[Problem]:
    """Every problem found; `docs` are the articles as ingest reads them (source, text, date), None
    when they could not be read (cleaning.yaml is broken: said with the files' problems)."""
    by_id = {}
    problems: list[Problem] = []
    for doc in docs or []:
        by_id[doc.doc_id] = doc
        if not doc.date:
            problems.append(
                Problem(
                    Path(doc.source),
                    1,
                    "no publication date found: answers show 日期不详 "
                    "(add a line like “时间:2025-07-02” under the title)",
                    warning=True,
                )
            )
    found, rules = _files(knowledge_dir)
    problems += found
    if rules.value and docs is not None:
        problems += [p for where, q in rules.value.quotes() for p in _quote_problems(rules.file, where, q, by_id)]
    if not any(not p.warning for p in problems):
        try:  # what only loading shows (the message catalogues' {fields} across languages)
            load_catalog(knowledge_dir), load_messages(knowledge_dir)
        except KnowledgeError as exc:
            problems.append(Problem.of_error(str(exc)))
        else:
            problems += _training(knowledge_dir) + _students(knowledge_dir)
    return problems


def quote_problems(knowledge_dir: Path, docs: list[Doc]) -> list[Problem]:
    """Rule quotes (rules.yaml) whose article is among `docs` and that it no longer holds verbatim:
    what an edit of those articles broke. A rules.yaml that does not load says nothing here."""
    rules = parse(knowledge_dir / "rules.yaml", kf.RulesFile)
    names = {Path(d.source).name for d in docs}
    if rules.value is None or not names:
        return []
    concerned = [(where, q) for where, q in rules.value.quotes() if Path(q.source).name in names]
    quoted = {Path(q.source).name for _, q in concerned}  # only the articles a rule quotes are looked in
    by_id = {d.doc_id: d for d in docs if Path(d.source).name in quoted}
    return [p for where, q in concerned for p in _quote_problems(rules.file, where, q, by_id)]


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
