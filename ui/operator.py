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
from ui.loading import load_bot, load_words
from ui.login import unlocked
from ui.view import PageWords, escape_markdown

STATUS_CHOICES = ["—", "required", "not_required", "depends", "unknown"]


def verdict_label(value: str, language: str) -> str:
    try:
        label = VERDICT_LABELS[Verdict(value)]
    except ValueError:
        return value
    return label.en if language == "en" else label.badge


def why(say: PageWords) -> dict[str, str]:
    return {"unanswered": say("op_unanswered"), "refused": say("op_refused"), "rated_down": "👎"}


def spans(say: PageWords) -> dict[str, int | None]:
    return {say("op_span_7"): 7, say("op_span_30"): 30, say("op_span_90"): 90, say("op_span_all"): None}


def charts(summary, say: PageWords) -> None:
    a, b, c, d, e = st.columns(5)
    a.metric(say("op_questions"), summary.questions)
    b.metric(say("op_unanswered"), f"{summary.unanswered_share:.0%}")
    c.metric(say("op_latency", p="p50"), f"{summary.p50_ms:.0f} ms")
    d.metric(say("op_latency", p="p95"), f"{summary.p95_ms:.0f} ms")
    e.metric(say("op_handed_off"), summary.handed_off)
    if not summary.days:
        st.info(say("op_no_log"))
        return
    date = say("op_date")
    days = pd.DataFrame([{date: r.day, **r.by_channel} for r in summary.days]).set_index(date).fillna(0)
    st.subheader(say("op_per_day"))
    st.bar_chart(days)
    left, right = st.columns(2)
    with left:
        st.subheader(say("op_verdicts"))
        st.bar_chart(
            pd.DataFrame({say("op_count"): {verdict_label(k, say.language): v for k, v in summary.verdicts.items()}})
        )
    with right:
        st.subheader(say("op_unanswered_share"))
        st.bar_chart(
            pd.DataFrame(
                {date: [r.day for r in summary.days], say("op_unanswered"): [r.unanswered_share for r in summary.days]}
            ).set_index(date)
        )
    st.subheader(say("op_latency_per_day"))
    st.bar_chart(
        pd.DataFrame(
            {
                date: [r.day for r in summary.days],
                "p50": [r.p50_ms for r in summary.days],
                "p95": [r.p95_ms for r in summary.days],
            }
        ).set_index(date),
        stack=False,
    )


def add_case_form(index: int, group, licences: dict[str, str], say: PageWords) -> None:
    with st.form(f"case-{index}"):
        st.caption(say("op_case_hint"))
        expect = {}
        cols = st.columns(len(licences))
        for col, (slug, name) in zip(cols, licences.items()):
            choice = col.selectbox(
                name,
                STATUS_CHOICES,
                key=f"expect-{index}-{slug}",
                format_func=lambda c: c if c == "—" else verdict_label(c, say.language),
            )
            if choice != "—":
                expect[slug] = choice
        facts = st.text_input(say("op_case_facts"), key=f"facts-{index}")
        refuse = st.checkbox(say("op_case_refuse"), key=f"refuse-{index}")
        if st.form_submit_button(say("op_case_add")):
            wanted = [f for f in facts.replace("，", ",").split(",") if f.strip()]
            try:
                case_id = load_bot().operator().add_case(group.question, expect, wanted, refuse)
            except ValueError as exc:
                if "consecutive characters" in str(exc):
                    st.error(say("op_overlap"))
                    return
                st.error(say("op_case_missing"))
            else:
                st.success(say("op_case_added", suite=get_settings().operator_suite.name, case=case_id))


STATES = ("present", "negated", "past", "planned")
REFUSALS = ("none", "forgery", "renting", "evasion", "unrelated", "injection")


def add_example_form(index: int, group, features: dict[str, str], licences: dict[str, str], say: PageWords) -> None:
    """The operator reads the question as the students should, and it becomes a training example."""
    with st.form(f"example-{index}"):
        st.caption(say("op_example_hint"))
        stated: dict[str, str] = {}
        for state in STATES:
            for key in st.multiselect(
                say("op_example_feature", state=say(f"op_state_{state}")),
                list(features),
                key=f"ex-{index}-{state}",
                format_func=features.__getitem__,
            ):
                stated.setdefault(key, state)
        intent = st.selectbox(say("op_example_intent"), intent_names(get_settings()), key=f"ex-{index}-intent")
        asked = st.multiselect(
            say("op_example_licences"), list(licences), key=f"ex-{index}-licences", format_func=licences.__getitem__
        )
        refusal = st.selectbox(
            say("op_example_refusal"),
            list(REFUSALS),
            key=f"ex-{index}-refusal",
            format_func=lambda r: say(f"op_refusal_{r}"),
        )
        person = st.checkbox(say("op_example_person"), key=f"ex-{index}-person")
        if st.form_submit_button(say("op_example_add")):
            try:
                example_id = load_bot().operator().add_example(group.question, stated, [intent], asked, refusal, person)
            except ValueError as exc:
                overlap = "consecutive characters" in str(exc)
                st.error(say("op_overlap") if overlap else say("op_not_saved", error=str(exc)))
            else:
                st.success(say("op_example_added", example=example_id))


def groups_table(groups, licences: dict[str, str], features: dict[str, str], say: PageWords) -> None:
    st.subheader(say("op_groups"))
    if not groups:
        st.info(say("op_no_groups"))
        return
    reasons, sep = why(say), say("op_list_sep")
    # Customers' words are untrusted text. The table draws its cells as plain text; an expander's label
    # and a caption are Markdown, where "![x](http://…)" would make the browser fetch an image.
    st.dataframe(
        pd.DataFrame(
            [
                {
                    say("op_count"): g.count,
                    say("op_col_question"): g.question,
                    say("op_col_why"): sep.join(f"{reasons[k]} {v}" for k, v in g.why.items()),
                    say("op_col_other"): " / ".join(e for e in g.examples if e != g.question),
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
            colon = say("colon")
            said = sep.join(
                f"{licences.get(k, k)}{colon}{verdict_label(v, say.language)}" for k, v in group.verdicts.items()
            )
            st.caption(say("op_bot_said", said=escape_markdown(said) or say("op_nothing")))
            add_case_form(i, group, licences, say)
            add_example_form(i, group, features, licences, say)


@st.cache_data(max_entries=8, show_spinner=False)
def grouped(span: int | None, count: int, newest: str):
    """Grouping embeds every flagged question: done again only when the log has changed."""
    return load_bot().operator().groups(span)


def page() -> None:
    say = load_words()
    st.title(say("op_title"))
    if not unlocked():
        st.stop()
    bot = load_bot()
    view = bot.operator()
    periods = spans(say)
    span = periods[st.selectbox(say("op_span"), list(periods), index=1, key="span")]
    entries = view.entries(span)
    summary = view.summarise(entries)
    charts(summary, say)
    with st.spinner(say("op_grouping")):
        groups = grouped(span, len(entries), entries[-1].id if entries else "")
    groups_table(groups, bot.licences(say.language), bot.features(say.language), say)
    st.download_button(
        say("op_csv"),
        view.csv(span).encode("utf-8-sig"),
        file_name="licensebot-questions.csv",
        mime="text/csv",
        key="csv",
    )


page()
