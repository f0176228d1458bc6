"""The operator page: what customers ask, what the bot could not answer (grouped by meaning), and
one click from a bad answer to an eval case. Shown only when LICENSEBOT_ADMIN_PASSWORD is set, and
nothing of the log is shown before the password is entered (guesses are slowed and locked out per
client: bot/state/logins.py). Customers' words are untrusted: they are shown as text, never Markdown."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from bot.core.models import VERDICT_LABELS, Verdict
from bot.core.settings import get_settings
from bot.service import intent_names
from ui.loading import load_bot
from ui.login import unlocked
from ui.view import escape_markdown

STATUS_CHOICES = ["—", "required", "not_required", "depends", "unknown"]


def verdict_label(value: str) -> str:
    try:
        return VERDICT_LABELS[Verdict(value)].badge
    except ValueError:
        return value


WHY = {"unanswered": "未能回答", "refused": "超出范围/拒答", "rated_down": "👎"}
SPANS = {"最近7天": 7, "最近30天": 30, "最近90天": 90, "全部": None}


def charts(summary) -> None:
    a, b, c, d, e = st.columns(5)
    a.metric("问题数", summary.questions)
    b.metric("未能回答", f"{summary.unanswered_share:.0%}")
    c.metric("延迟 p50", f"{summary.p50_ms:.0f} ms")
    d.metric("延迟 p95", f"{summary.p95_ms:.0f} ms")
    e.metric("转人工", summary.handed_off)
    if not summary.days:
        st.info("日志里还没有问题。")
        return
    days = pd.DataFrame([{"日期": r.day, **r.by_channel} for r in summary.days]).set_index("日期").fillna(0)
    st.subheader("每天的问题数（按渠道）")
    st.bar_chart(days)
    left, right = st.columns(2)
    with left:
        st.subheader("结论分布")
        st.bar_chart(pd.DataFrame({"次数": {verdict_label(k): v for k, v in summary.verdicts.items()}}))
    with right:
        st.subheader("未能回答的比例")
        st.bar_chart(
            pd.DataFrame(
                {"日期": [r.day for r in summary.days], "未能回答": [r.unanswered_share for r in summary.days]}
            ).set_index("日期")
        )
    st.subheader("每天的延迟（毫秒）")
    st.bar_chart(
        pd.DataFrame(
            {
                "日期": [r.day for r in summary.days],
                "p50": [r.p50_ms for r in summary.days],
                "p95": [r.p95_ms for r in summary.days],
            }
        ).set_index("日期"),
        stack=False,
    )


def add_case_form(index: int, group, licences: dict[str, str]) -> None:
    with st.form(f"case-{index}"):
        st.caption("正确答案是什么？选好后加入评测集，`licensebot eval` 会运行它。")
        expect = {}
        cols = st.columns(len(licences))
        for col, (slug, name) in zip(cols, licences.items()):
            choice = col.selectbox(
                name,
                STATUS_CHOICES,
                key=f"expect-{index}-{slug}",
                format_func=lambda c: c if c == "—" else verdict_label(c),
            )
            if choice != "—":
                expect[slug] = choice
        facts = st.text_input("回答里必须出现的内容（用逗号分隔，可不填）", key=f"facts-{index}")
        refuse = st.checkbox("应当拒答（与资质无关）", key=f"refuse-{index}")
        if st.form_submit_button("加入评测集"):
            wanted = [f for f in facts.replace("，", ",").split(",") if f.strip()]
            try:
                case_id = load_bot().operator().add_case(group.question, expect, wanted, refuse)
            except ValueError as exc:
                if "consecutive characters" in str(exc):
                    st.error(OVERLAP)
                    return
                st.error("请先说明正确答案：至少选一个资质的结论、填写必须出现的内容，或勾选“应当拒答”。")
            else:
                st.success(f"已加入 {get_settings().operator_suite.name}：{case_id}")


STATES = {"present": "有", "negated": "没有", "past": "以前有、已停", "planned": "计划中"}
REFUSALS = {
    "none": "不拒答",
    "forgery": "伪造",
    "renting": "租借资质",
    "evasion": "规避监管",
    "unrelated": "与资质无关",
    "injection": "指令注入",
}
OVERLAP = "没有保存：这个问题与评测集或训练集中已有的问题重合（连续 8 个字相同），同一个问题不能既用于训练又用于评测。"


def add_example_form(index: int, group, features: dict[str, str], licences: dict[str, str]) -> None:
    """The operator reads the question as the students should, and it becomes a training example."""
    with st.form(f"example-{index}"):
        st.caption("这个问题应当怎样读？保存为训练样本后，`licensebot kb train` 会学习它。")
        stated: dict[str, str] = {}
        for state, name in STATES.items():
            for key in st.multiselect(
                f"产品功能：{name}", list(features), key=f"ex-{index}-{state}", format_func=features.__getitem__
            ):
                stated.setdefault(key, state)
        intent = st.selectbox("在问什么", intent_names(get_settings()), key=f"ex-{index}-intent")
        asked = st.multiselect(
            "问到的资质", list(licences), key=f"ex-{index}-licences", format_func=licences.__getitem__
        )
        refusal = st.selectbox("拒答类别", list(REFUSALS), key=f"ex-{index}-refusal", format_func=REFUSALS.__getitem__)
        person = st.checkbox("要求转人工", key=f"ex-{index}-person")
        if st.form_submit_button("加入训练集"):
            try:
                example_id = load_bot().operator().add_example(group.question, stated, [intent], asked, refusal, person)
            except ValueError as exc:
                st.error(OVERLAP if "consecutive characters" in str(exc) else f"没有保存：{exc}")
            else:
                st.success(
                    f"已加入训练集 {example_id}：运行 `licensebot kb train --refusal --state --features` 后生效。"
                )


def groups_table(groups, licences: dict[str, str], features: dict[str, str]) -> None:
    st.subheader("需要关注的问题（按意思归组）")
    if not groups:
        st.info("没有未能回答、拒答或 👎 的问题。")
        return
    # Customers' words are untrusted text. The table draws its cells as plain text; an expander's label
    # and a caption are Markdown, where "![x](http://…)" would make the browser fetch an image.
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "次数": g.count,
                    "问题": g.question,
                    "原因": "、".join(f"{WHY[k]} {v}" for k, v in g.why.items()),
                    "其他问法": " / ".join(e for e in g.examples if e != g.question),
                }
                for g in groups
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    for i, group in enumerate(groups[:30]):
        with st.expander(f"{group.count} × {escape_markdown(group.question)}"):
            for example in group.examples:
                st.text(example)
            said = "、".join(f"{licences.get(k, k)}：{verdict_label(v)}" for k, v in group.verdicts.items())
            st.caption("机器人的结论：" + (escape_markdown(said) or "无"))
            add_case_form(i, group, licences)
            add_example_form(i, group, features, licences)


@st.cache_data(max_entries=8, show_spinner="正在按意思归组…")
def grouped(span: int | None, count: int, newest: str):
    """Grouping embeds every flagged question: done again only when the log has changed."""
    return load_bot().operator().groups(span)


def page() -> None:
    st.title("运营")
    if not unlocked():
        st.stop()
    bot = load_bot()
    view = bot.operator()
    span = SPANS[st.selectbox("时间范围", list(SPANS), index=1, key="span")]
    entries = view.entries(span)
    summary = view.summarise(entries)
    charts(summary)
    groups_table(grouped(span, len(entries), entries[-1].id if entries else ""), bot.licences(), bot.features())
    st.download_button(
        "导出 CSV", view.csv(span).encode("utf-8-sig"), file_name="licensebot-questions.csv", mime="text/csv", key="csv"
    )


page()
