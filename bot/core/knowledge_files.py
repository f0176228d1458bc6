"""The typed schema of every YAML file in knowledge/: licences, rules, glossary, intents, evidence
cues, cleaning words and the message catalogues. (The training corpus, JSONL, has its models in
bot/kb/training.py.)

One definition, read by the bot when it loads (bot/kb, ingest) and by `licensebot kb check`, so the
two never disagree about what a file may hold. Unknown keys are errors: a misspelt `synonym:` would
otherwise be ignored in silence. What one file may name of another (a rule's licence slug, an
intent's evidence kind) is checked against the `context` the reader passes (bot/core/yaml_files.py);
checks across entries of one file are each model's `problems()`.

It lives in bot.core because ingest reads cleaning.yaml and may import nothing above bot.index.
"""

from __future__ import annotations

import re
import string
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo

from bot.core.models import STATUSES
from bot.core.text import fold

Location = tuple[str | int, ...]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
POLARITIES = ("depends", "need_not", "must")  # precedence: a condition is not a yes or a no
LANGUAGES = ("zh", "en")
# Every key the bot says (bot/answering: compose, answer, decide, handoff; the chat channels' contact line).
MESSAGE_KEYS = frozenset(
    "caution out_of_scope not_in_kb answer need maybe no_need unsaid absent enough not_enough facts carried negated planned planned_feature part_unsaid why more sides undated "
    "sep names end colon said figure_unsaid never_said outvoted no_rule no_person_here contact uncovered_licence "
    "page_title page_tab page_no_index page_load_failed page_caption page_ask page_searching page_knowledge page_articles page_units page_indexed page_embedder page_writer page_no_writer page_try page_example_3 page_clear page_disclaimer page_carried page_source page_comment page_comment_hint page_thanks page_empty page_failed "
    "example example_2 sources context cli_welcome cli_prompt chat_welcome chat_not_text chat_empty chat_unavailable chat_too_long chat_no_person "
    "handoff_unanswered handoff_asked handoff_transferred handoff_send_again handoff_hours "
    # the staff pages: operator (op_), knowledge (kb_), password (login_)
    "op_title op_knowledge_title op_chat_title op_loading op_span op_span_7 op_span_30 op_span_90 op_span_all op_questions op_unanswered op_refused op_latency op_handed_off op_no_log op_date op_per_day op_verdicts op_count op_unanswered_share op_latency_per_day op_case_hint op_case_facts op_case_refuse op_case_add op_case_missing op_case_added op_state_present op_state_negated op_state_past op_state_planned op_refusal_none op_refusal_forgery op_refusal_renting op_refusal_evasion op_refusal_unrelated op_refusal_injection op_overlap op_example_hint op_example_feature op_example_intent op_example_licences op_example_refusal op_example_person op_example_add op_not_saved op_example_added op_groups op_no_groups op_grouping op_col_question op_col_why op_col_other op_bot_said op_nothing op_csv op_list_sep kb_failed kb_done kb_done_article kb_col_title kb_col_file kb_col_units kb_col_licences kb_col_origin kb_col_indexed kb_col_status kb_uploaded_replacing kb_uploaded kb_shipped kb_ok kb_problem kb_upload_file kb_upload kb_article_units kb_col_kind kb_col_polarity kb_col_heading kb_col_text kb_removed kb_replace_file kb_replace kb_delete_upload kb_delete_article kb_delete kb_verdict kb_reading kb_yes kb_no kb_clauses kb_view_article kb_choose_article kb_hit_test kb_hit_question kb_hit_go login_minutes login_seconds login_locked login_too_fast login_off login_password login_enter login_unavailable login_wrong login_wrong_locked".split()
)


def _compiles(value: str) -> str:
    try:
        re.compile(value, re.I)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


def _known(what: str, context_key: str) -> AfterValidator:
    """A name another file defines: checked when the reader passes what that file defines."""

    def check(value: str, info: ValidationInfo) -> str:
        known = (info.context or {}).get(context_key)
        if known is not None and value not in known:
            raise ValueError(f"unknown {what} {value!r} (known: {', '.join(sorted(known))})")
        return value

    return AfterValidator(check)


def _status(value: str) -> str:
    if value not in STATUSES:
        raise ValueError(f"must be one of {', '.join(sorted(STATUSES))}")
    return value


Pattern = Annotated[str, AfterValidator(_compiles)]
LicenceSlug = Annotated[str, _known("licence slug", "licences")]
EvidenceKind = Annotated[str, _known("evidence kind", "kinds")]
Status = Annotated[str, AfterValidator(_status)]
# How knowledge/training/ names a licence, feature, intent or refusal class: at most 7 characters, so no
# label in a training file holds a run of 8 that an eval question could share (bot/core/overlap.py);
# unset, the key itself when it fits (bot/kb/training.py says which keys need one).
CODE_PATTERN = r"^[a-z0-9]{2,7}$"
TrainingCode = Annotated[
    str | None, Field(pattern=CODE_PATTERN, description="the label knowledge/training/ uses for this entry")
]


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def problems(self) -> list[tuple[Location, str]]:
        """Checks across entries of the file: (where, what) pairs; none by default."""
        return []


# licenses.yaml


class LicenceEntry(Entry):
    name: Text
    name_en: str = ""
    full_name: str | None = None
    aliases: list[Text] = Field(min_length=1)
    code: TrainingCode = None
    filing: bool = Field(False, description="a filing, not a licence: '需要办许可证吗' is not answered by it")
    only_for_features: bool = Field(
        False, description="needed only for the features whose rules name it: not needed when the user denies them"
    )


class LicensesFile(Entry):
    licenses: dict[str, LicenceEntry] = Field(min_length=1)

    def shared_aliases(self) -> list[tuple[Location, str]]:
        """An alias two licences share: a question naming it could mean either (`kb check` says so;
        the bot still loads, matching the first)."""
        owner: dict[str, str] = {}
        out: list[tuple[Location, str]] = []
        for slug, entry in self.licenses.items():
            for i, word in enumerate([entry.name, *entry.aliases]):
                key = fold(word)
                where: Location = ("licenses", slug, "aliases", i - 1) if i else ("licenses", slug, "name")
                if key in owner and owner[key] != slug:
                    also = f"licenses.{slug}: alias {word!r} is also an alias of licenses.{owner[key]}"
                    out.append((where, f"{also}: a question naming it could mean either"))
                owner.setdefault(key, slug)
        return out


# rules.yaml


class Quote(Entry):
    source: Text = Field(description="the article file the quote is verbatim in")
    quote: Text


class Rule(Entry):
    status: Status
    reason: Text
    reason_en: str = ""
    quotes: list[Quote] = Field(min_length=1)


class FeatureEntry(Entry):
    label: str | None = None
    label_en: str = ""
    code: TrainingCode = None
    group: str | None = None
    synonyms: list[Text] = Field(min_length=1)
    wordings: list[Text] = []
    licenses: dict[LicenceSlug, Rule] = Field(min_length=1)
    overridden_by: list[str] = []
    qualifier: bool = False
    eligibility: bool = Field(
        False,
        description="a condition on who may hold the licence (foreign capital), not on whether the product needs "
        "it: where another fact requires the licence it is required, with this condition said beside",
    )
    negative: bool = Field(False, description="an absence ('不收费'): its own negation words do not negate it")


class TopicEntry(Entry):
    label: str | None = None
    label_en: str = ""
    licenses: list[LicenceSlug] = Field(min_length=1)
    triggers: list[Text] = Field(min_length=1)
    summary: str = ""
    summary_en: str = ""
    quotes: list[Quote] = Field(min_length=1)


class CommercialTest(Entry):
    """A commercial service needs `licence`, not `filing`; the quote says so."""

    licence: LicenceSlug
    filing: LicenceSlug
    source: Text
    quote: Text
    reason: Text
    reason_en: str = ""


class PlannedNote(Entry):
    """What is said beside a licence that only a planned feature needs: the quote on applying in time."""

    source: Text
    quote: Text
    reason: Text
    reason_en: str = ""


class RulesFile(Entry):
    commercial_test: CommercialTest | None = None
    planned: PlannedNote | None = None
    features: dict[str, FeatureEntry] = {}
    topics: dict[str, TopicEntry] = {}

    def problems(self) -> list[tuple[Location, str]]:
        return [
            (("features", key, "overridden_by", i), f"unknown feature {other!r}")
            for key, feature in self.features.items()
            for i, other in enumerate(feature.overridden_by)
            if other not in self.features
        ]

    def quotes(self) -> list[tuple[Location, Quote]]:
        """Every quote the rules rely on, with where it is written."""
        out: list[tuple[Location, Quote]] = []
        for key, feature in self.features.items():
            for slug, rule in feature.licenses.items():
                out += [(("features", key, "licenses", slug, "quotes", i), q) for i, q in enumerate(rule.quotes)]
        for key, topic in self.topics.items():
            out += [(("topics", key, "quotes", i), q) for i, q in enumerate(topic.quotes)]
        if self.commercial_test:
            t = self.commercial_test
            out.append((("commercial_test", "quote"), Quote(source=t.source, quote=t.quote)))
        if self.planned:
            out.append((("planned", "quote"), Quote(source=self.planned.source, quote=self.planned.quote)))
        return out


# glossary.yaml


class RefusalEntry(Entry):
    reason: Text
    reason_en: str = ""
    code: TrainingCode = None
    patterns: list[Pattern] = Field(
        [], description="matched in the folded question; [] leaves the class to the refusal student"
    )


class WordingEntry(Entry):
    """How a message is cut and read (bot/kb/wording.py); regular expressions, tried in the order given."""

    clause_breaks: list[Pattern] = []
    negations: list[Pattern] = []
    not_negations: list[Pattern] = []
    negation_reach: int = Field(default=4, ge=0, le=20)
    asks: list[Pattern] = []
    term_negations: list[Pattern] = []
    follow_up_starts: list[Pattern] = []
    follow_up_ends: list[Pattern] = []
    follow_up_refs: list[Pattern] = []
    new_topic_starts: list[Pattern] = []
    hearsay: list[Pattern] = []
    removals: list[Pattern] = []
    removals_before: list[Pattern] = []
    past_markers: list[Pattern] = []
    plan_negations: list[Pattern] = []
    part_references: list[Pattern] = []
    connectives: list[Pattern] = []
    openers: list[Pattern] = []


class GlossaryFile(Entry):
    wording: WordingEntry = WordingEntry()
    english: dict[str, list[Text]] = {}
    domain_terms: list[Text] = []
    context_terms: list[Text] = []
    refusal_guards: list[Pattern] = []
    refusals: dict[str, RefusalEntry] = {}
    stopwords: list[Text] = []
    function_characters: Text = ""
    person_requests: list[Text] = []
    licence_names: list[Pattern] = []
    licence_name_stops: list[Text] = []
    enough_asks: list[Pattern] = []
    which_asks: list[Pattern] = []
    held_licences: list[Pattern] = []


# intents.yaml


class IntentEntry(Entry):
    code: TrainingCode = None
    cues: list[Pattern] = []
    wordings: list[Text] = []
    evidence: list[EvidenceKind] = []
    lead: str | None = None
    lead_en: str | None = None


class FigureEntry(Entry):
    cues: list[Pattern] = Field(min_length=1)
    kind: EvidenceKind


class IntentsFile(Entry):
    intents: dict[str, IntentEntry] = Field(min_length=1)
    focus: dict[str, list[Pattern]] = {}
    figures: dict[str, FigureEntry] = {}

    def problems(self) -> list[tuple[Location, str]]:
        missing = sorted({"verdict", "other"} - set(self.intents))
        return [(("intents",), f"must include {name!r}") for name in missing]


# evidence.yaml


class KindEntry(Entry):
    cues: list[Pattern] = []
    heading_cues: list[Pattern] = []


class PolarityCues(Entry):
    depends: list[Pattern] = []
    need_not: list[Pattern] = []
    must: list[Pattern] = []


class EvidenceFile(Entry):
    kinds: dict[str, KindEntry] = Field(min_length=1)
    polarity: PolarityCues = PolarityCues()


# cleaning.yaml


class CleaningFile(Entry):
    spam_words: list[Text] = []
    brands: list[Text] = []
    label_prefixes: list[Text] = []
    ad_phrases: list[Text] = []
    furniture_prefixes: list[Text] = []
    related_headings: list[Text] = []
    breadcrumbs: list[Text] = []
    date_labels: list[Text] = []
    keyword_labels: list[Text] = []
    heading_numbers: list[Text] = []
    heading_endings: list[Text] = []


# messages/<language>.yaml


def fills(text: str) -> set[str]:
    """The `{names}` a message fills in."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


class MessagesFile(Entry):
    """One language's sentences: exactly the keys the bot says."""

    model_config = ConfigDict(extra="allow", frozen=True)

    def texts(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    def problems(self) -> list[tuple[Location, str]]:
        texts = self.texts()
        out: list[tuple[Location, str]] = [
            ((key,), "missing (the answerer says it)") for key in sorted(MESSAGE_KEYS - set(texts))
        ]
        for key, value in texts.items():
            if key not in MESSAGE_KEYS:
                out.append(((key,), f"not a key the answerer uses (known: {', '.join(sorted(MESSAGE_KEYS))})"))
            elif not isinstance(value, str):
                out.append(((key,), "must be text"))
        return out
