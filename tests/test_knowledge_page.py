"""The 知识库 page through AppTest on the real index, model and ingest: behind the operator password,
a bad upload is explained and changes nothing; an editor uploads an article about a licence the
catalogue does not know, sees its units, tries a question it answers, deletes it, and the question no
longer finds it — all in one running app."""

from __future__ import annotations

import pytest
import streamlit as st

from bot.core.settings import get_settings
from conftest import ARTICLES, make_settings
from ingest.pipeline import ingest
from test_articles_api import PUBLISHING, QUESTION
from test_operator import everything_shown, log_in, open_app

PASSWORD = "correct horse"


@pytest.fixture
def editor(tmp_path, embedder, monkeypatch):
    settings = make_settings(
        tmp_path / "data",
        question_log_file=tmp_path / "questions.sqlite",
        operator_suite=tmp_path / "suites" / "operator.yaml",
        admin_login_store=tmp_path / "logins.sqlite",
    )
    assert ingest([ARTICLES], settings, embedder=embedder, show_progress=False, log=lambda m: None).files == 5
    at = log_in(open_app(monkeypatch, settings, PASSWORD).switch_page("knowledge.py").run(), PASSWORD)
    yield at, settings
    get_settings.cache_clear()
    st.cache_resource.clear()


def table(at, column: str):
    """The shown table that has `column` (the articles: 文件, units: 文本, retrieved: similarity)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def sources(at) -> list[str]:
    return list(table(at, "文件")["文件"])


def test_nothing_of_the_articles_is_shown_before_the_password(monkeypatch, tmp_path, settings, knowledge):
    mine = settings.model_copy(
        update={"admin_login_store": tmp_path / "logins.sqlite", "operator_suite": tmp_path / "s.yaml"}
    )
    at = open_app(monkeypatch, mine, PASSWORD).switch_page("knowledge.py").run()
    assert not at.dataframe and "知识库" in everything_shown(at)


def test_upload_see_units_hit_test_and_delete_without_a_restart(editor):
    at, settings = editor
    assert len(sources(at)) == 5
    at.file_uploader(key="upload_file").upload("blank.txt", b"  \n", "text/plain")
    at = at.button(key="upload_go").click().run()  # a bad upload first: explained, nothing changes
    assert at.error and "empty" in at.error[0].value and "知识库没有改变" in at.error[0].value
    assert len(sources(at)) == 5
    at.file_uploader(key="upload_file").upload("publishing.txt", PUBLISHING, "text/plain")
    at = at.button(key="upload_go").click().run()
    assert not at.error and at.success and "已可回答" in at.success[0].value, everything_shown(at)
    assert sources(at)[-1].endswith("uploads/publishing.txt")

    at = (
        at.selectbox(key="article")
        .select(next(o for o in at.selectbox(key="article").options if "publishing" in o))
        .run()
    )
    units = table(at, "文本")
    assert len(units) >= 3 and any("1000万元" in t for t in units["文本"])

    at.text_input(key="hit_question").input(QUESTION)
    at = at.button(key="hit_go").click().run()
    retrieved = table(at, "similarity")
    assert retrieved["source"].iloc[0].endswith("uploads/publishing.txt") and "1000万元" in everything_shown(at)

    at = at.button(key="delete").click().run()
    assert len(sources(at)) == 5 and not any(settings.uploads_path.glob("*.txt"))
    at.text_input(key="hit_question").input(QUESTION)
    at = at.button(key="hit_go").click().run()
    assert not any(s.endswith("publishing.txt") for s in table(at, "similarity")["source"])
