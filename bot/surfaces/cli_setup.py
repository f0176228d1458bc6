"""What the CLI's commands need before their own work: a clear one-line exit on an error, the index
(ingested on first use), the learned reader when it is missing, and a loaded Bot. The one place in
`bot/` that runs ingest, for the commands in cli.py and cli_kb.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

import typer

from bot.core.errors import NotReady
from bot.core.settings import get_settings


def fail(message: str, code: int = 2) -> NoReturn:
    typer.secho(f"error: {' '.join(message.split())}", fg=typer.colors.RED, err=True)  # one line
    raise typer.Exit(code)


def progress_log(quiet: bool) -> Callable[[str], None]:
    """Training's progress lines, to stderr unless `quiet`."""

    def log(message: str) -> None:
        if not quiet:
            typer.echo(message, err=True)

    return log


def meanings(settings, log):
    """What ingest reads each unit's meaning with (bot/editing/meanings.py)."""
    from bot.editing.meanings import unit_meanings

    return unit_meanings(settings, log)


def train_reader(settings, quiet: bool, only_if_needed: bool) -> None:
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
        folder = train(settings, load_embedder(settings.embedder), progress, log=progress_log(quiet))
    except TrainingError as exc:
        fail(str(exc))
    finally:
        for bar in bars.values():
            bar.close()
    typer.echo(f"learned reader written to {folder} (model card: {folder / 'MODEL_CARD.md'})")


def ensure_index(settings) -> None:
    """`ask`, `serve` and `ui` on a fresh clone ingest knowledge/articles first, saying so; a broken
    index is reported (one line, with the repair), never silently rebuilt."""
    from bot.index.layout import read_current

    try:
        if read_current(settings) is not None:
            return
    except NotReady as exc:
        fail(str(exc))
    typer.echo("The index is empty: ingesting knowledge/articles first …", err=True)
    from ingest.pipeline import ingest as run_ingest
    from ingest.read import corpus_paths

    say = lambda m: typer.echo(m, err=True)  # noqa: E731
    report = run_ingest(
        corpus_paths(settings.articles_dir, settings.uploads_path),
        settings,
        log=say,
        wait=True,
        meanings=meanings(settings, say),
    )
    typer.echo(report.summary(), err=True)
    if not report.files:
        fail("nothing could be indexed; add articles to knowledge/articles and run `licensebot ingest`")


def load_bot():
    from bot.service import Bot

    settings = get_settings()
    ensure_index(settings)
    try:
        bot = Bot(settings)
        bot.loaded()
    except NotReady as exc:
        fail(str(exc))
    return bot
