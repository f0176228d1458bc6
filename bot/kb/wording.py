"""How a message is worded: where it is cut into clauses, which words negate or ask, and what marks an
elliptical follow-up. The words are data (knowledge/glossary.yaml `wording`), so a new language or
dialect is taught by editing YAML; this module only joins each list into one expression, in the order
written (the order decides which alternative wins where two start at the same place)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core import knowledge_files as kf
from bot.kb.patterns import compile_patterns

NEVER = re.compile(r"(?!)")
# where the words up to a feature's are cut: the negation must be in the feature's own clause
_CLAUSE_MARK = r"[^，,。；;!?！？、]"


def _either(patterns: Sequence[str], where: str, template: str = "{}") -> re.Pattern[str]:
    """The alternatives as one expression (checked one by one first, so an error names its index)."""
    if not patterns:
        return NEVER
    compile_patterns(patterns, where)
    return re.compile(template.format("|".join(f"(?:{p})" for p in patterns)), re.I)


@dataclass(frozen=True)
class Wording:
    clause_break: re.Pattern[str] = NEVER
    negation: re.Pattern[str] = NEVER
    not_negation: re.Pattern[str] = NEVER
    near_negation: re.Pattern[str] = NEVER  # a negation a few characters before the end of a window
    ask: re.Pattern[str] = NEVER
    term_negation: re.Pattern[str] = NEVER  # a negation right at the end of a window
    follow_up_start: re.Pattern[str] = NEVER
    follow_up_end: re.Pattern[str] = NEVER
    follow_up_ref: re.Pattern[str] = NEVER  # anywhere: words pointing back at what was said
    new_topic: re.Pattern[str] = NEVER  # at the start: words bringing up a new matter
    hearsay: re.Pattern[str] = NEVER  # anywhere in a clause: it reports what someone else said
    removal: re.Pattern[str] = NEVER  # right after a feature's words, in its clause: it is taken away
    removal_before: re.Pattern[str] = NEVER  # anywhere in a clause read by meaning: it takes away what it names
    removal_near: re.Pattern[str] = NEVER  # right before a feature's words, in its clause: it is taken away
    plan_negation: re.Pattern[str] = NEVER  # a plan said not to be one ("不打算", "no plans to")
    past: re.Pattern[str] = NEVER  # anywhere in a clause: what it says is in the past
    part_reference: re.Pattern[str] = NEVER  # anywhere in a clause: it points at a part already described
    connective: re.Pattern[str] = NEVER  # at a clause's start: how it follows the one before
    opener: re.Pattern[str] = NEVER  # at a message's start: a greeting or an acknowledgment

    @classmethod
    def of(cls, data: kf.WordingEntry, where: str) -> Wording:
        negations = f"{where}.negations"
        return cls(
            clause_break=_either(data.clause_breaks, f"{where}.clause_breaks"),
            negation=_either(data.negations, negations),
            not_negation=_either(data.not_negations, f"{where}.not_negations"),
            near_negation=_either(data.negations, negations, f"(?:{{}}){_CLAUSE_MARK}{{{{0,{data.negation_reach}}}}}$"),
            ask=_either(data.asks, f"{where}.asks"),
            term_negation=_either(data.term_negations, f"{where}.term_negations", r"(?:{})\s*$"),
            follow_up_start=_either(data.follow_up_starts, f"{where}.follow_up_starts", "^(?:{})"),
            follow_up_end=_either(data.follow_up_ends, f"{where}.follow_up_ends"),
            follow_up_ref=_either(data.follow_up_refs, f"{where}.follow_up_refs"),
            hearsay=_either(data.hearsay, f"{where}.hearsay"),
            new_topic=_either(data.new_topic_starts, f"{where}.new_topic_starts", r"^\s*(?:{})"),
            removal=_either(
                data.removals, f"{where}.removals", f"^{_CLAUSE_MARK}{{{{0,{data.negation_reach}}}}}?(?:{{}})"
            ),
            removal_before=_either(data.removals_before, f"{where}.removals_before"),
            removal_near=_either(
                data.removals_before,
                f"{where}.removals_before",
                # "去掉了多人语音房", "remove the live group video": two characters or words between, not
                # "去掉水印要开会员" or "drop the price for vip members"
                f"(?:{{}})[了掉咗]?(?:{_CLAUSE_MARK}{{{{0,2}}}}|(?:\\s+[a-z][a-z-]*){{{{0,2}}}}\\s*)$",
            ),
            plan_negation=_either(data.plan_negations, f"{where}.plan_negations"),
            past=_either(data.past_markers, f"{where}.past_markers"),
            part_reference=_either(data.part_references, f"{where}.part_references"),
            connective=_either(data.connectives, f"{where}.connectives", r"^\s*(?:{})[\s,，]*"),
            opener=_either(
                data.openers,
                f"{where}.openers",
                r"^(?:\s*(?:{0})+(?:\s*[,，.。!！~～…]+\s*|\s+(?=(?:{0})|[^\x00-\x7f])|$))+",
            ),
        )

    def clauses(self, folded: str) -> list[str]:
        return [c.strip() for c in self.clause_break.split(folded) if c and c.strip()]

    def unopened(self, folded: str) -> str:
        """The message without the greetings and acknowledgments it opens with ("明白了，那…", "hi, …"):
        they are not what it asks, and they hide a follow-up's opening word."""
        return self.opener.sub("", folded, count=1) or folded

    def bare(self, clause: str) -> str:
        """The clause without the word that links it to the one before ("不过页面上挂了点广告"): a link
        says nothing of whether the product has what the clause names, and 不过 reads like a past 过."""
        return self.connective.sub("", clause, count=1) or clause

    def _without_false_negations(self, text: str) -> str:
        return self.not_negation.sub("", text)

    def negated(self, clause: str) -> bool:
        """The clause has a negation word ("用户之间不能聊天"); 无论, 是否, 免费 … are not ones."""
        return bool(self.negation.search(self._without_false_negations(clause)))

    def negated_before(self, folded: str, start: int, reach: int = 10) -> bool:
        """A negation in the `reach` characters before `start`, in the same clause, close to it ("不在网上卖东西")."""
        window = re.split(r"[,，。;；!?！？、]", folded[max(0, start - reach) : start])[-1]
        return bool(self.near_negation.search(self._without_false_negations(window)))

    def removed_after(self, folded: str, end: int) -> bool:
        """A word that takes the feature away right after its words, in its clause ("把语音房下架",
        "remove the voice rooms" reads the other way round and is a negation before)."""
        return bool(self.removal.search(folded[end:]))

    def removed_before(self, folded: str, start: int) -> bool:
        """A verb right before the feature's words, in its clause, that takes it away ("去掉语音房", "去掉了多人
        语音房", "drop the voice rooms"), not one a few words earlier about something else ("去掉了广告但有语音房")."""
        return bool(self.removal_near.search(self.clause_break.split(folded[max(0, start - 24) : start])[-1]))

    def denies_plan(self, clause: str) -> bool:
        """The clause says something is not planned ("以后也不准备开通", "we have no plans to add")."""
        return bool(self.plan_negation.search(clause))

    def points_back(self, clause: str) -> bool:
        """The clause points at a part of the product already described ("语音这部分", "this feature")."""
        return bool(self.part_reference.search(clause))

    def in_past(self, clause: str) -> bool:
        """The clause puts what it says in the past ("以前有语音房", "we used to sell a membership")."""
        return bool(self.past.search(clause))

    def removes(self, clause: str) -> bool:
        """A verb in the clause takes away what it names ("what if we drop the live group classes"): for a
        feature read by meaning, whose words are the whole clause (the caller weighs the state student too)."""
        return bool(self.removal_before.search(clause))

    def asks(self, clause: str) -> bool:
        return bool(self.ask.search(clause))

    def marks_follow_up(self, folded: str) -> bool:
        """Starts or ends as an elliptical follow-up does ("那如果只有1对1视频呢？", "what about …")."""
        return bool(self.follow_up_start.match(folded.strip())) or bool(self.follow_up_end.search(folded))

    def reports(self, clause: str) -> bool:
        """The clause reports what someone else said ("听说自营商城只要备案"): a claim, not the product."""
        return bool(self.hearsay.search(clause))

    def opens_new_topic(self, folded: str) -> bool:
        """Starts by saying it brings up a new matter ("different question: …", "换个话题")."""
        return bool(self.new_topic.match(folded))

    def refers_back(self, folded: str) -> bool:
        """Points back at what was said ("你刚才说的那两个证有什么区别？", "the permits you mentioned")."""
        return bool(self.follow_up_ref.search(folded))
