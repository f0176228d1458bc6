"""The knowledge page, behind the operator password: the articles (title, date, file, units, licences,
when indexed, problems), upload / replace / delete applied as a per-article update while the chat
keeps answering (bot/editing), each article's units and what cleaning removed, and a hit test that
shows how a question is read before it is answered. Article text is shown as text, never Markdown."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from bot.core.errors import NotReady
from bot.core.models import VERDICT_LABELS, Answer, Reading
from bot.editing.desk import ArticleDesk, ArticleItem
from bot.editing.uploads import SUFFIXES, UploadRejected
from ui.loading import load_bot, load_desk, load_words
from ui.login import unlocked
from ui.view import PageWords, escape_markdown

TYPES = [s.lstrip(".") for s in SUFFIXES.split(", ")]


def applied(what: str, change, say: PageWords) -> bool:
    """Run a change with a progress bar; says what happened (a refusal as it is, never a traceback)."""
    bar = st.progress(0.0, text=what)
    try:
        done = change(lambda fraction, text: bar.progress(min(fraction, 1.0), text=f"{what}{say('colon')}{text}"))
    except (UploadRejected, NotReady) as exc:
        st.error(say("kb_failed", what=what, error=str(exc)))
        return False
    finally:
        bar.empty()
    st.session_state.done = (
        say("kb_done_article", what=what, title=done.title, units=str(done.units))
        if done
        else say("kb_done", what=what)
    )
    return True


def articles_table(items: list[ArticleItem], say: PageWords) -> None:
    sep = say("op_list_sep")

    def origin(a: ArticleItem) -> str:
        if not a.uploaded:
            return say("kb_shipped")
        return say("kb_uploaded_replacing") if a.replaces_shipped else say("kb_uploaded")

    rows = [
        {
            say("kb_col_title"): a.title,
            say("op_date"): a.date or say("undated"),
            say("kb_col_file"): a.source,
            say("kb_col_units"): a.units,
            say("kb_col_licences"): sep.join(a.licences),
            say("kb_col_origin"): origin(a),
            say("kb_col_indexed"): a.indexed,
            say("kb_col_status"): say("kb_ok") if a.status == "ok" else say("kb_problem"),
        }
        for a in items
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="articles")


def upload_form(desk: ArticleDesk, say: PageWords) -> None:
    with st.form("upload", clear_on_submit=True):
        file = st.file_uploader(say("kb_upload_file", types=SUFFIXES), type=TYPES, key="upload_file")
        if st.form_submit_button(say("kb_upload"), key="upload_go") and file is not None:
            if applied(say("kb_upload"), lambda progress: desk.add(file.name, file.getvalue(), progress), say):
                st.rerun()


def article_detail(desk: ArticleDesk, item: ArticleItem, say: PageWords) -> None:
    detail = desk.article(item.id)
    for problem in detail.problems:
        st.warning(problem)
    st.subheader(say("kb_article_units", title=detail.title, units=str(detail.units)))
    sep = say("op_list_sep")
    units = [
        {
            say("kb_col_kind"): u.kind,
            say("kb_col_licences"): sep.join(u.licenses),
            say("kb_col_polarity"): sep.join(f"{k}:{v}" for k, v in u.polarity.items()),
            say("kb_col_heading"): u.heading,
            say("kb_col_text"): u.text,
        }
        for u in detail.pieces
    ]
    st.dataframe(pd.DataFrame(units), hide_index=True, key="units")
    with st.expander(say("kb_removed", count=str(len(detail.removed)))):
        st.dataframe(
            pd.DataFrame([r.model_dump() for r in detail.removed], columns=["reason", "text"]), hide_index=True
        )
    with st.form("replace", clear_on_submit=True):
        file = st.file_uploader(say("kb_replace_file"), type=TYPES, key="replace_file")
        if st.form_submit_button(say("kb_replace"), key="replace_go") and file is not None:
            if applied(say("kb_replace"), lambda progress: desk.replace(item.id, file.getvalue(), progress), say):
                st.rerun()
    label = say("kb_delete_upload") if item.replaces_shipped else say("kb_delete_article")
    if item.uploaded and st.button(label, key="delete"):
        if applied(say("kb_delete"), lambda progress: desk.delete(item.id, progress), say):
            st.session_state.pop("article", None)
            st.rerun()


def show_reading(answer: Answer, reading: Reading | None, say: PageWords) -> None:
    label = VERDICT_LABELS[answer.verdict]
    st.markdown(f"**{say('kb_verdict', verdict=label.zh if say.language == 'zh' else label.en)}**")
    st.text(answer.answer)
    if reading is None:
        return
    st.text(
        say(
            "kb_reading",
            language=reading.language,
            intent=str(reading.intent),
            by=str(reading.intent_by),
            refusal=reading.refusal or say("op_nothing"),
            licences=say("op_list_sep").join(reading.licences) or say("op_nothing"),
            follow_up=say("kb_yes") if reading.follow_up else say("kb_no"),
        )
    )
    st.dataframe(
        pd.DataFrame([f.model_dump() for f in reading.facts], columns=["feature", "negated", "matched", "by", "score"]),
        hide_index=True,
        key="facts",
    )
    st.caption(say("kb_clauses") + escape_markdown(" ｜ ".join(reading.clauses)))
    st.dataframe(
        pd.DataFrame(
            [u.model_dump() for u in reading.retrieved], columns=["score", "similarity", "kind", "source", "text"]
        ),
        hide_index=True,
        key="retrieved",
    )


def page() -> None:
    say = load_words()
    st.title(say("op_knowledge_title"))
    if not unlocked():
        st.stop()
    desk = load_desk()
    if "done" in st.session_state:
        st.success(st.session_state.pop("done"))
    items = desk.articles()
    articles_table(items, say)
    upload_form(desk, say)
    by_label = {f"{a.title} · {a.source}": a for a in items}
    chosen = st.selectbox(
        say("kb_view_article"), list(by_label), index=None, placeholder=say("kb_choose_article"), key="article"
    )
    if chosen:
        article_detail(desk, by_label[chosen], say)
    st.subheader(say("kb_hit_test"))
    question = st.text_input(say("kb_hit_question"), key="hit_question")
    if st.button(say("kb_hit_go"), key="hit_go") and question.strip():
        turn = load_bot().turn(question)
        show_reading(turn.answer, turn.reading, say)


page()
