"""A new article about a licence the catalogue does not know is answerable after ingest, with no
code or catalogue change."""
from __future__ import annotations

import shutil

from bot.answering.answer import answer
from bot.answering.knowledge import Knowledge
from bot.core.settings import REPO_ROOT
from conftest import ARTICLES, make_settings
from ingest.pipeline import ingest

SP_ARTICLE = REPO_ROOT / "eval" / "fixtures" / "sp_article.txt"


def test_questions_about_a_new_article_are_in_scope_after_ingest(tmp_path, embedder):
    corpus = tmp_path / "articles"
    shutil.copytree(ARTICLES, corpus)
    settings = make_settings(tmp_path / "data")
    ingest([corpus], settings, embedder=embedder, show_progress=False, log=lambda m: None)
    before = answer("我们给客户群发营销短信，要办什么证？", Knowledge.load(settings, embedder))
    assert before.verdict.value in ("out_of_scope", "unknown")  # nothing about SMS yet

    shutil.copy(SP_ARTICLE, corpus / SP_ARTICLE.name)
    ingest([corpus], settings, embedder=embedder, show_progress=False, log=lambda m: None)
    k = Knowledge.load(settings, embedder)
    a = answer("我们给客户群发营销短信，要办什么证？", k)
    assert a.verdict.value != "out_of_scope" and any("sp_article" in c.source for c in a.citations)
    assert "SP证" in " ".join(c.quote for c in a.citations)
    conditions = answer("SP证要满足什么条件？", k)
    assert conditions.intent == "conditions" and "社保" in " ".join(c.quote for c in conditions.citations)
