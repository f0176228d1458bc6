"""The 知识库 page, behind the operator password: the articles (title, date, file, units, licences,
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
from ui.loading import load_bot, load_desk
from ui.login import unlocked
from ui.view import escape_markdown

TYPES = [s.lstrip(".") for s in SUFFIXES.split(", ")]


def applied(what: str, change) -> bool:
    """Run a change with a progress bar; says what happened (a refusal as it is, never a traceback)."""
    bar = st.progress(0.0, text=what)
    try:
        done = change(lambda fraction, text: bar.progress(min(fraction, 1.0), text=f"{what}：{text}"))
    except (UploadRejected, NotReady) as exc:
        st.error(f"{what}失败：{exc}（知识库没有改变）")
        return False
    finally:
        bar.empty()
    st.session_state.done = f"{what}完成" + (f"：{done.title}（{done.units} 个单元），已可回答" if done else "")
    return True


def articles_table(items: list[ArticleItem]) -> None:
    rows = [
        {
            "标题": a.title,
            "日期": a.date or "日期不详",
            "文件": a.source,
            "单元": a.units,
            "许可证": "、".join(a.licences),
            "来源": ("上传（替换原文）" if a.replaces_shipped else "上传") if a.uploaded else "随附",
            "索引时间": a.indexed,
            "状态": "正常" if a.status == "ok" else "有问题",
        }
        for a in items
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="articles")


def upload_form(desk: ArticleDesk) -> None:
    with st.form("upload", clear_on_submit=True):
        file = st.file_uploader(f"上传文章（{SUFFIXES}）", type=TYPES, key="upload_file")
        if st.form_submit_button("上传", key="upload_go") and file is not None:
            if applied("上传", lambda progress: desk.add(file.name, file.getvalue(), progress)):
                st.rerun()


def article_detail(desk: ArticleDesk, item: ArticleItem) -> None:
    detail = desk.article(item.id)
    for problem in detail.problems:
        st.warning(problem)
    st.subheader(f"{detail.title}（{detail.units} 个单元）")
    units = [
        {
            "类型": u.kind,
            "许可证": "、".join(u.licenses),
            "倾向": "、".join(f"{k}:{v}" for k, v in u.polarity.items()),
            "小标题": u.heading,
            "文本": u.text,
        }
        for u in detail.pieces
    ]
    st.dataframe(pd.DataFrame(units), hide_index=True, key="units")
    with st.expander(f"清洗时去掉的内容（{len(detail.removed)}）"):
        st.dataframe(
            pd.DataFrame([r.model_dump() for r in detail.removed], columns=["reason", "text"]), hide_index=True
        )
    with st.form("replace", clear_on_submit=True):
        file = st.file_uploader("用新文件替换这篇文章", type=TYPES, key="replace_file")
        if st.form_submit_button("替换", key="replace_go") and file is not None:
            if applied("替换", lambda progress: desk.replace(item.id, file.getvalue(), progress)):
                st.rerun()
    label = "删除上传版本，恢复随附原文" if item.replaces_shipped else "删除这篇文章"
    if item.uploaded and st.button(label, key="delete"):
        if applied("删除", lambda progress: desk.delete(item.id, progress)):
            st.session_state.pop("article", None)
            st.rerun()


def show_reading(answer: Answer, reading: Reading | None) -> None:
    st.markdown(f"**结论：{VERDICT_LABELS[answer.verdict].zh}**")
    st.text(answer.answer)
    if reading is None:
        return
    st.text(
        f"语言 {reading.language}；意图 {reading.intent}（{reading.intent_by}）；拒答 {reading.refusal or '无'}；"
        f"许可证 {'、'.join(reading.licences) or '无'}；追问 {'是' if reading.follow_up else '否'}"
    )
    st.dataframe(
        pd.DataFrame([f.model_dump() for f in reading.facts], columns=["feature", "negated", "matched", "by", "score"]),
        hide_index=True,
        key="facts",
    )
    st.caption("分句：" + escape_markdown(" ｜ ".join(reading.clauses)))
    st.dataframe(
        pd.DataFrame(
            [u.model_dump() for u in reading.retrieved], columns=["score", "similarity", "kind", "source", "text"]
        ),
        hide_index=True,
        key="retrieved",
    )


def page() -> None:
    st.title("知识库")
    if not unlocked():
        st.stop()
    desk = load_desk()
    if "done" in st.session_state:
        st.success(st.session_state.pop("done"))
    items = desk.articles()
    articles_table(items)
    upload_form(desk)
    by_label = {f"{a.title} · {a.source}": a for a in items}
    chosen = st.selectbox("查看文章", list(by_label), index=None, placeholder="选择一篇文章", key="article")
    if chosen:
        article_detail(desk, by_label[chosen])
    st.subheader("命中测试")
    question = st.text_input("输入一个问题，看它如何被理解和回答", key="hit_question")
    if st.button("测试", key="hit_go") and question.strip():
        turn = load_bot().turn(question)
        show_reading(turn.answer, turn.reading)


page()
