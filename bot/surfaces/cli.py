"""`licensebot` command line: parses arguments and calls library functions, nothing more.

With cli_kb.py (`licensebot kb …`) and cli_setup.py (what every command needs first), the one place in
`bot/` that runs ingest (`ingest`, and `ask`/`serve`/`ui`/`eval` on an empty data dir)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from bot.core.errors import BadQuestion
from bot.core.private import private_umask
from bot.core.settings import get_settings
from bot.surfaces.cli_kb import kb
from bot.surfaces.cli_setup import ensure_index, fail, load_bot, meanings, train_reader

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Answers questions about China's internet licences from the knowledge base, with verbatim quotes.",
)


app.add_typer(kb, name="kb")


@app.callback()
def _every_command() -> None:
    # Before anything is written: whatever this process and what it starts (serve's workers, the
    # page, Chroma, SQLite) create is private to this user (bot/core/private.py).
    private_umask()


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(
        None, help="files or folders (default: knowledge/articles and the uploaded articles)"
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bars"),
    wait: bool = typer.Option(False, "--wait", help="wait for a running ingest instead of exiting (code 3)"),
) -> None:
    """Index articles (incremental; the previous index keeps answering until the new one is complete)."""
    from bot.core.errors import IngestBusy
    from ingest.pipeline import ingest as run_ingest
    from ingest.read import corpus_paths

    settings = get_settings()
    try:
        say = lambda m: typer.echo(m, err=True)  # noqa: E731
        report = run_ingest(
            paths or corpus_paths(settings.articles_dir, settings.uploads_path),
            settings,
            show_progress=not quiet,
            log=say,
            wait=wait,
            meanings=meanings(settings, say),
        )
    except IngestBusy as exc:
        fail(str(exc), code=3)
    typer.echo(report.summary())
    if report.errors and not report.files:
        raise typer.Exit(1)
    if settings.train_on_ingest:
        train_reader(settings, quiet, only_if_needed=True)


@app.command()
def ask(
    question: str = typer.Argument(..., help="the question, or - to read one question per line from stdin"),
    as_json: bool = typer.Option(False, "--json", help="print the Answer JSON"),
    session: Optional[str] = typer.Option(None, "--session", help="session id, to ask follow-up questions"),
    context: bool = typer.Option(False, "--context", help="also show the paragraph around each quote"),
) -> None:
    """Answer a question (or every line of stdin with `-`)."""
    from bot.surfaces.render import render_text

    bot = load_bot()
    questions = sys.stdin if question == "-" else [question]
    for line in questions:
        q = line.rstrip("\n")
        try:
            result = bot.ask(q, session_id=f"cli:{session}" if session else None)
        except BadQuestion as exc:
            if as_json:
                typer.echo(json.dumps({"question": q, "error": f"question: {exc}"}, ensure_ascii=False))
                continue
            fail(f"question: {exc}")
        if as_json:
            typer.echo(result.model_dump_json())
        else:
            typer.echo(render_text(result, bot.messages(), with_context=context))
            if question == "-":
                typer.echo("")
        sys.stdout.flush()


@app.command()
def chat(session: str = typer.Option("terminal", help="session id")) -> None:
    """Ask questions interactively in the terminal (follow-ups keep the context)."""
    from bot.surfaces.render import render_text

    bot = load_bot()
    texts = bot.messages()
    typer.echo(texts.t("zh", "cli_welcome"))
    while True:
        try:
            q = input(texts.t("zh", "cli_prompt")).strip()
        except EOFError:
            break
        if not q:
            break
        try:
            typer.echo(render_text(bot.ask(q, session_id=f"cli:{session}", channel="cli", user=session), texts) + "\n")
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
    bot = load_bot()  # says so (and ingests) when there is no index yet, before binding the port
    try:
        application = create_app(settings, bot)
    except ChannelConfigError as exc:
        fail(str(exc))
    host, port = host or settings.host, port or settings.port
    # uvicorn's access log would print query strings (openids, signatures); RequestGuard logs without them
    if workers > 1:
        uvicorn.run(
            "bot.surfaces.api:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            log_config=None,
        )
    else:
        uvicorn.run(application, host=host, port=port, access_log=False, log_config=None)


@app.command()
def ui(
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8501, help="port of the page"),
) -> None:
    """Start the Streamlit chat page on localhost (this process becomes the Streamlit server, so
    stopping it stops the page)."""
    import ui as ui_package

    ensure_index(get_settings())
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


@app.command()
def stats(
    days: float = typer.Option(30, help="how many days back (0: everything in the log)"),
    csv_out: Optional[Path] = typer.Option(None, "--csv", help="also write every logged answer as CSV"),
) -> None:
    """What customers asked: questions per day and channel, verdicts, what the bot could not answer
    (grouped by meaning), latency. The operator page shows the same."""
    from bot.surfaces.render import render_stats

    view = load_bot().operator()
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

    ensure_index(get_settings())  # an empty data dir is ingested first, saying so
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
        [settings.articles_dir, *extra], scratch, show_progress=False, log=say, meanings=meanings(scratch, say)
    )
    typer.echo(f"eval corpus with {', '.join(p.name for p in extra)}: {report.summary()}", err=True)
    return scratch


if __name__ == "__main__":
    app()
