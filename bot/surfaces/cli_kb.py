"""`licensebot kb`: look inside the knowledge base (show), train the learned reader and the shipped
students (train), check knowledge/*.yaml against the articles (check)."""

from __future__ import annotations

from typing import Optional

import typer

from bot.core.settings import get_settings

from bot.surfaces.cli_setup import fail, load_bot, progress_log, train_reader

kb = typer.Typer(help="Look inside the knowledge base.", no_args_is_help=True)


@kb.command("show")
def kb_show(
    query: Optional[str] = typer.Argument(None, help="rank units by how close they are to this question"),
    article: Optional[str] = typer.Option(None, "--article", help="part of an article file name"),
    kind: Optional[str] = typer.Option(
        None,
        "--kind",
        help="definition, condition, material, step, time, money, "
        "price, penalty, category, authority, comparison, exemption",
    ),
    license: Optional[str] = typer.Option(None, "--license", help="a licence slug, e.g. multiparty"),
    limit: int = typer.Option(20, "--limit", min=1),
    as_json: bool = typer.Option(False, "--json", help="one JSON object per unit"),
) -> None:
    """Evidence units the bot quotes from, with the licences, kinds and polarity read from each."""
    bot = load_bot()
    for unit in bot.units(article, kind, license, query, limit):
        if as_json:
            typer.echo(unit.model_dump_json())
            continue
        tag = "named" if unit.named else "implied"
        sim = f" sim={unit.similarity:.3f}" if unit.similarity is not None else ""
        typer.echo(
            f"{unit.id} [{unit.kind}] {unit.source}{sim}\n  licences ({tag}): {', '.join(unit.licenses) or '-'}"
            f"  kinds: {', '.join(unit.kinds) or '-'}  about: {', '.join(unit.topic) or '-'}  polarity: {unit.polarity or '-'}"
            f"\n  under: {unit.heading or '-'}\n  {unit.text[:300].replace(chr(10) + chr(10), ' / ')}\n"
        )


@kb.command("train")
def kb_train(
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bars"),
    refusal: bool = typer.Option(
        False,
        "--refusal",
        help="train only the refusal student that answering "
        "uses and write it to knowledge/models/refusal/ (seconds; commit it)",
    ),
    state: bool = typer.Option(
        False,
        "--state",
        help="train only the state student (is a feature there, "
        "negated, past, planned) and write it to knowledge/models/state/",
    ),
    features: bool = typer.Option(
        False,
        "--features",
        help="train only the feature student (which product features a clause describes): knowledge/models/features/",
    ),
    intent: bool = typer.Option(
        False,
        "--intent",
        help="train only the intent student (what kind of answer a message asks for): knowledge/models/intent/",
    ),
    follow_up: bool = typer.Option(
        False,
        "--follow-up",
        help="train only the follow-up student (does a message lean on the one before): knowledge/models/follow_up/",
    ),
    person: bool = typer.Option(
        False,
        "--person",
        help="train only the person student (does a message ask for a person): knowledge/models/person/",
    ),
) -> None:
    """Train the learned reader from knowledge/training/ (deterministic) and write it with its model card
    to <data dir>/reader/; with --refusal, --state, --features, --intent, --follow-up and/or --person, the
    shipped students instead."""
    settings = get_settings()
    if not (refusal or state or features or intent or follow_up or person):
        train_reader(settings, quiet, only_if_needed=False)
        return
    from bot.index.embedders import load_embedder
    from bot.kb.learned.features import train_feature_student
    from bot.kb.learned.follow_up import train_follow_up_student
    from bot.kb.learned.intent import train_intent_student
    from bot.kb.learned.person import train_person_student
    from bot.kb.learned.refusal import train_student
    from bot.kb.learned.state import train_state_student
    from bot.kb.learned.train import TrainingError

    embedder = load_embedder(settings.embedder)
    for wanted, train_one, name in (
        (refusal, train_student, "refusal"),
        (state, train_state_student, "state"),
        (features, train_feature_student, "feature"),
        (intent, train_intent_student, "intent"),
        (follow_up, train_follow_up_student, "follow-up"),
        (person, train_person_student, "person"),
    ):
        if not wanted:
            continue
        try:
            folder = train_one(settings, embedder, log=progress_log(quiet))
        except TrainingError as exc:
            fail(str(exc))
        typer.echo(f"{name} student written to {folder}")


@kb.command("check")
def kb_check() -> None:
    """Check knowledge/*.yaml against the articles: unknown licence slugs, clashing aliases, rule quotes
    not verbatim in their article (errors, exit 1), articles without a date (a warning). Prints file:line: problem."""
    from bot.core.errors import KnowledgeError
    from bot.index.units import Doc
    from bot.kb.check import check_knowledge
    from ingest.pipeline import read_docs
    from ingest.read import corpus_paths

    settings = get_settings()
    try:
        docs, unreadable = read_docs(corpus_paths(settings.articles_dir, settings.uploads_path), settings)
    except KnowledgeError:  # cleaning.yaml cannot be read: check_knowledge names its line
        docs, unreadable = None, []
    found = check_knowledge(settings.knowledge_dir, None if docs is None else [Doc.from_row(d) for d in docs])
    errors = [str(p) for p in found if not p.warning] + unreadable
    for line in errors + [str(p) for p in found if p.warning]:
        typer.echo(line)
    typer.echo(
        f"kb check: {len(docs) if docs is not None else 'no'} articles, {len(errors)} error{'s' * (len(errors) != 1)}, "
        f"{len(found) - len(errors) + len(unreadable)} warning(s)",
        err=True,
    )
    raise typer.Exit(1 if errors else 0)
