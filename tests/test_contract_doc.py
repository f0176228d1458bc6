"""docs/CONTRACT.md is what the code implements: regenerated from the CLI, the HTTP router, the Answer
models and the settings, it is the file in the repository (`make docs` after a change); the README links
to it and nothing in the README or docs/ points outside the repository."""

from __future__ import annotations

import re

from bot.core.settings import REPO_ROOT
from bot.surfaces.contract import contract_markdown

DOC = REPO_ROOT / "docs" / "CONTRACT.md"


def test_the_contract_page_is_what_the_code_says():
    assert DOC.read_text(encoding="utf-8") == contract_markdown(), "docs/CONTRACT.md is stale: run `make docs`"


def test_the_page_names_every_command_route_field_and_setting():
    page = contract_markdown()
    for piece in (
        "### `licensebot ask QUESTION`",
        "### `licensebot kb check`",
        "### `POST /v1/ask`",
        "### `GET /healthz`",
        "| `facts` | list[Fact] |",
        "| `handoff` | string or null |",
        "| `LICENSEBOT_EMBEDDER` |",
        "- 413: body too large",
    ):
        assert piece in page, piece


def test_the_readme_links_the_contract_and_nothing_outside_the_repository():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/CONTRACT.md)" in readme
    for path in [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]:
        assert not re.search(r"\.\./shared|\]\(\.\./", path.read_text(encoding="utf-8")), path
