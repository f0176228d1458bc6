"""`python -m bot` is the `licensebot` command."""

from bot.surfaces.cli import app

app()
