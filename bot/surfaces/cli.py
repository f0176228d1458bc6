"""`licensebot` command line: parses arguments and calls library functions, nothing more.

The one place in `bot/` that runs ingest (`ingest`, and `ask`/`serve`/`ui`/`eval` on an empty data dir)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from bot.core.errors import BadQuestion, NotReady
from bot.core.private import private_umask
from bot.core.settings import get_settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Answers questions about China's internet licences from the knowledge base, with verbatim quotes.",
)


@app.callback()
def _every_command() -> None:
    # Before anything is written: whatever this process and what it starts (serve's workers, the
    # page, Chroma, SQLite) create is private to this user (bot/core/private.py).
    private_umask()


def _fail(message: str, code: int = 2) -> None:
    typer.secho(f"error: {' '.join(message.split())}", fg=typer.colors.RED, err=True)  # one line
    raise typer.Exit(code)


def _meanings(settings, log):
    """What ingest reads each unit's meaning with (stored in its segment, so loading need not read
    it); a knowledge file that does not load leaves that to the bot, which reports the problem."""
    from bot.core.errors import KnowledgeError
    from bot.kb.catalog import load_catalog
    from bot.kb.evidence import UnitReader, load_cues

    try:
        return UnitReader(load_catalog(settings.knowledge_dir), load_cues(settings.knowledge_dir / "evidence.yaml"))
    except KnowledgeError as exc:
        log(f"warning: unit meanings not stored ({exc}); the bot reads them when it loads")
        return None


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(None, help="files or folders (default: knowledge/articles)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bars"),
    wait: bool = typer.Option(False, "--wait", help="wait for a running ingest instead of exiting (code 3)"),
) -> None:
    """Index articles (incremental; the previous index keeps answering until the new one is complete)."""
    from bot.core.errors import IngestBusy
    from ingest.pipeline import ingest as run_ingest

    settings = get_settings()
    try:
        say = lambda m: typer.echo(m, err=True)  # noqa: E731
        report = run_ingest(
            paths or [settings.articles_dir],
            settings,
            show_progress=not quiet,
            log=say,
            wait=wait,
            meanings=_meanings(settings, say),
        )
    except IngestBusy as exc:
        _fail(str(exc), code=3)
    typer.echo(report.summary())
    if report.errors and not report.files:
        raise typer.Exit(1)
    if settings.train_on_ingest:
        _train(settings, quiet, only_if_needed=True)


def _train(settings, quiet: bool, only_if_needed: bool) -> None:
    """Train the learned reader (always, or only when it is missing or stale), with progress bars."""
    from tqdm import tqdm

    from bot.index.embedders import load_embedder
    from bot.kb.learned.reader import training_needed
    from bot.kb.learned.train import TrainingError, train

    reason = training_needed(settings)
    if only_if_needed and reason is None:
        return
    if reason:
        typer.echo(f"training the learned reader: {reason}", err=True)
    bars: dict[str, tqdm] = {}

    def progress(step: str, done: int, total: int) -> None:
        bar = bars.get(step) or bars.setdefault(step, tqdm(total=total, desc=step, disable=quiet))
        bar.update(done - bar.n)

    try:
        folder = train(
            settings, load_embedder(settings.embedder), progress, log=lambda m: quiet or typer.echo(m, err=True)
        )
    except TrainingError as exc:
        _fail(str(exc))
    finally:
        for bar in bars.values():
            bar.close()
    typer.echo(f"learned reader written to {folder} (model card: {folder / 'MODEL_CARD.md'})")


def _ensure_index(settings) -> None:
    """`ask`, `serve` and `ui` on a fresh clone ingest knowledge/articles first, saying so; a broken
    index is reported (one line, with the repair), never silently rebuilt."""
    from bot.index.layout import read_current

    try:
        if read_current(settings) is not None:
            return
    except NotReady as exc:
        _fail(str(exc))
    typer.echo("The index is empty: ingesting knowledge/articles first …", err=True)
    from ingest.pipeline import ingest as run_ingest

    say = lambda m: typer.echo(m, err=True)  # noqa: E731
    report = run_ingest([settings.articles_dir], settings, log=say, wait=True, meanings=_meanings(settings, say))
    typer.echo(report.summary(), err=True)
    if not report.files:
        _fail("nothing could be indexed; add articles to knowledge/articles and run `licensebot ingest`")


def _load_bot():
    from bot.service import Bot

    settings = get_settings()
    _ensure_index(settings)
    try:
        bot = Bot(settings)
        bot.loaded()
    except NotReady as exc:
        _fail(str(exc))
    return bot


@app.command()
def ask(
    question: str = typer.Argument(..., help="the question, or - to read one question per line from stdin"),
    as_json: bool = typer.Option(False, "--json", help="print the Answer JSON"),
    session: Optional[str] = typer.Option(None, "--session", help="session id, to ask follow-up questions"),
    context: bool = typer.Option(False, "--context", help="also show the paragraph around each quote"),
) -> None:
    """Answer a question (or every line of stdin with `-`)."""
    from bot.surfaces.render import render_text

    bot = _load_bot()
    questions = sys.stdin if question == "-" else [question]
    for line in questions:
        q = line.rstrip("\n")
        try:
            result = bot.ask(q, session_id=f"cli:{session}" if session else None)
        except BadQuestion as exc:
            if as_json:
                typer.echo(json.dumps({"question": q, "error": f"question: {exc}"}, ensure_ascii=False))
                continue
            _fail(f"question: {exc}")
        if as_json:
            typer.echo(result.model_dump_json())
        else:
            typer.echo(render_text(result, with_context=context))
            if question == "-":
                typer.echo("")
        sys.stdout.flush()


@app.command()
def chat(session: str = typer.Option("terminal", help="session id")) -> None:
    """Ask questions interactively in the terminal (follow-ups keep the context)."""
    from bot.surfaces.render import render_text

    bot = _load_bot()
    typer.echo("licensebot — 输入问题，回车提交；空行或 Ctrl-D 退出。")
    while True:
        try:
            q = input("问> ").strip()
        except EOFError:
            break
        if not q:
            break
        try:
            typer.echo(render_text(bot.ask(q, session_id=f"cli:{session}", channel="cli", user=session)) + "\n")
        except BadQuestion as exc:
            typer.echo(f"（{exc}）")


@app.command()
def serve(
    host: Optional[str] = typer.Option(None, help="default: LICENSEBOT_HOST or 127.0.0.1"),
    port: Optional[int] = typer.Option(None, help="default: LICENSEBOT_PORT or 8000"),
    workers: int = typer.Option(1, min=1, help="worker processes (each loads the model; dedupe is shared)"),
) -> None:
    """Serve the HTTP API (/v1/ask, /healthz, /docs) and the configured WeChat channels."""
    import uvicorn

    from bot.surfaces.api import create_app
    from bot.surfaces.channels.callback import ChannelConfigError
    from bot.surfaces.logs import configure_logging

    settings = get_settings()
    configure_logging(settings)  # secrets scrubbed from every line; uvicorn logs through the same handler
    bot = _load_bot()  # says so (and ingests) when there is no index yet, before binding the port
    try:
        application = create_app(settings, bot)
    except ChannelConfigError as exc:
        _fail(str(exc))
    host, port = host or settings.host, port or settings.port
    # uvicorn's access log would print query strings (openids, signatures); RequestGuard logs without them
    quiet = dict(access_log=False, log_config=None)
    if workers > 1:
        uvicorn.run("bot.surfaces.api:create_app", factory=True, host=host, port=port, workers=workers, **quiet)
    else:
        uvicorn.run(application, host=host, port=port, **quiet)


@app.command()
def ui(
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8501, help="port of the page"),
) -> None:
    """Start the Streamlit chat page on localhost (this process becomes the Streamlit server, so
    stopping it stops the page)."""
    import ui as ui_package

    _ensure_index(get_settings())
    page = Path(ui_package.__file__).parent / "app.py"
    typer.echo(f"licensebot page: http://{host}:{port}  (Ctrl-C to stop)", err=True)
    if get_settings().admin_password:
        typer.echo(f"operator page: http://{host}:{port}/operator  (asks for LICENSEBOT_ADMIN_PASSWORD)", err=True)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(page),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.showErrorDetails",
        "none",
        "--client.toolbarMode",
        "minimal",
    ]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, command)


kb = typer.Typer(help="Look inside the knowledge base.", no_args_is_help=True)
app.add_typer(kb, name="kb")


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
    bot = _load_bot()
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
        _train(settings, quiet, only_if_needed=False)
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
            folder = train_one(settings, embedder, log=lambda m: quiet or typer.echo(m, err=True))
        except TrainingError as exc:
            _fail(str(exc))
        typer.echo(f"{name} student written to {folder}")


@kb.command("check")
def kb_check() -> None:
    """Check knowledge/*.yaml against the articles: unknown licence slugs, clashing aliases, rule quotes
    not verbatim in their article (errors, exit 1), articles without a date (a warning). Prints file:line: problem."""
    from bot.kb.check import check_knowledge
    from ingest.pipeline import read_docs

    settings = get_settings()
    docs, unreadable = read_docs([settings.articles_dir], settings)
    found = check_knowledge(settings.knowledge_dir, docs)
    errors = [str(p) for p in found if not p.warning] + unreadable
    for line in errors + [str(p) for p in found if p.warning]:
        typer.echo(line)
    typer.echo(
        f"kb check: {len(docs)} articles, {len(errors)} error{'s' * (len(errors) != 1)}, "
        f"{len(found) - len(errors) + len(unreadable)} warning(s)",
        err=True,
    )
    raise typer.Exit(1 if errors else 0)


@app.command()
def stats(
    days: float = typer.Option(30, help="how many days back (0: everything in the log)"),
    csv_out: Optional[Path] = typer.Option(None, "--csv", help="also write every logged answer as CSV"),
) -> None:
    """What customers asked: questions per day and channel, verdicts, what the bot could not answer
    (grouped by meaning), latency. The operator page shows the same."""
    from bot.surfaces.render import render_stats

    view = _load_bot().operator()
    span = days or None
    typer.echo(render_stats(view.summary(span), view.groups(span), span))
    if csv_out:
        csv_out.write_text(view.csv(span), encoding="utf-8")
        typer.echo(f"wrote {csv_out}", err=True)


@app.command(name="eval")
def run_eval(
    suites: list[Path] = typer.Argument(None, help="suite files (default: eval/suites/*.yaml)"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="write the full report as JSON"),
    md_out: Optional[Path] = typer.Option(None, "--md", help="write the report as Markdown"),
    feedback: bool = typer.Option(False, "--feedback", help="also list 👎 feedback as candidate cases"),
) -> None:
    """Run eval suites; exit 1 when a metric is below its threshold."""
    from eval.runner import main as eval_main

    _ensure_index(get_settings())  # an empty data dir is ingested first, saying so
    raise typer.Exit(eval_main(suites or [], json_out, md_out, feedback, with_articles=_corpus_with))


def _corpus_with(extra: list[Path]):
    """Settings of an index of knowledge/articles plus `extra`, kept under the data dir so that a
    second eval run finds it up to date (a suite about a licence the catalogue does not know)."""
    import hashlib

    from ingest.pipeline import ingest as run_ingest

    settings = get_settings()
    key = hashlib.sha1("|".join(sorted(str(p) for p in extra)).encode()).hexdigest()[:10]
    scratch = settings.model_copy(update={"data_dir": settings.data_dir / "eval-corpora" / key})
    say = lambda m: typer.echo(m, err=True)  # noqa: E731
    report = run_ingest(
        [settings.articles_dir, *extra], scratch, show_progress=False, log=say, meanings=_meanings(scratch, say)
    )
    typer.echo(f"eval corpus with {', '.join(p.name for p in extra)}: {report.summary()}", err=True)
    return scratch


if __name__ == "__main__":
    app()
