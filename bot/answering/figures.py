"""Figures as values, so that an answer's numbers are compared with its quotes' by what they say.

A model can write an amount its quotes never give in a form that no digit search sees: 三万八千元,
四十五个工作日, a phone number spelled 零一零六二三四五六七八, or "1亿" where a quote only has "1对1"
(the digit 1 is there, the hundred million is not). So both sides are read the same way: Chinese
numerals become Arabic ones (cn2an), a multiplier (万, 亿, million) is applied, and the unit
(元, %, 个工作日, days, months, years) is kept as a kind, so "100万" matches "1000000元" and "20个工作日"
matches "20 working days", while "20%" does not match "20个工作日". Text is expected folded
(`bot.core.text.fold`: Simplified, half-width, lower case).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import cn2an

_DIGITS = "零〇一二三四五六七八九两壹贰叁肆伍陆柒捌玖"
_UNITS = "十百千万亿拾佰仟"
_CN_NUMBER = re.compile(rf"(?P<percent>百分之)?(?P<run>[{_DIGITS}{_UNITS}]+(?:点[{_DIGITS}]+)?)")
# A unit after a Chinese numeral makes it a quantity; "一" before a counting word is the article
# ("一个平台", "一种业务"), not the number one.
_MEASURE = re.compile(r"个?工作日|个?月|个?小时|年|周|天|日|元|块|万|亿|%|倍|人|名|家|项|条|步|次|种|类|个|位")
_ARTICLE_AFTER_ONE = ("个", "种", "类", "项", "条", "次", "位", "名", "家", "步")

_MULTIPLIERS = {"千": 1e3, "万": 1e4, "亿": 1e8, "thousand": 1e3, "million": 1e6, "billion": 1e9}
_KINDS = (
    (re.compile(r"个?工作日|working days?|business days?"), "workday"),
    (re.compile(r"天|个?自然日|calendar days?|days?"), "day"),
    (re.compile(r"个?月|months?"), "month"),
    (re.compile(r"年|years?"), "year"),
    (re.compile(r"元|块|yuan|rmb"), "money"),
    (re.compile(r"%|percent|per cent"), "percent"),
    (re.compile(r"倍|times"), "times"),
)
_UNIT_ALTERNATIVES = "|".join(p.pattern for p, _ in _KINDS)
FIGURE = re.compile(
    rf"(?<![\d.])(?P<number>\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?)\s*(?P<mult>千|万|亿|thousand\b|million\b|billion\b)?"
    rf"\s*(?P<unit>{_UNIT_ALTERNATIVES})?"
)
# Seven or more digits in a row (spaces and hyphens allowed) that are no amount: a phone number.
PHONE = re.compile(r"(?<![\d.,])(?:\+?86[\s-]?)?\d(?:[\s-]?\d){6,}(?![\d.,])(?!\s*(?:元|%|万|亿|yuan|rmb))")


@dataclass(frozen=True)
class Figure:
    """One number as its value and the kind of thing it counts (None: the text does not say)."""

    text: str
    value: float
    kind: str | None

    def matches(self, other: "Figure") -> bool:
        same_kind = self.kind is None or other.kind is None or self.kind == other.kind
        return same_kind and math.isclose(self.value, other.value, rel_tol=1e-9)


def _arabic(run: str) -> str | None:
    """A Chinese numeral run in Arabic digits: digit by digit when it has no 十/百/千/万/亿 (a phone
    number or a year keeps its zeros), by value otherwise; None when it is no number (万一, 千万不要)."""
    try:
        if any(u in run for u in _UNITS) or "点" in run:
            value = cn2an.cn2an(run, "smart")
            return str(int(value)) if float(value).is_integer() else str(value)
        return str(cn2an.cn2an(run, "direct"))
    except (ValueError, KeyError, TypeError):
        return None


def _as_arabic(match: re.Match) -> str:
    run, percent, after = match.group("run"), match.group("percent"), match.string[match.end() :]
    unit = _MEASURE.match(after)
    quantity = bool(percent) or (unit is not None and not (run == "一" and unit.group(0) in _ARTICLE_AFTER_ONE))
    has_digit = any(ch in _DIGITS for ch in run)
    if not quantity and not (len(run) >= 2 and has_digit):
        return match.group(0)
    arabic = _arabic(run)
    if arabic is None:
        return match.group(0)
    return f"{arabic}%" if percent else arabic


def normalise(folded: str) -> str:
    """Folded text with its Chinese numerals written in Arabic digits (三万八千元 -> 38000元)."""
    return _CN_NUMBER.sub(_as_arabic, folded)


def _kind(unit: str | None) -> str | None:
    if not unit:
        return None
    return next(kind for pattern, kind in _KINDS if pattern.fullmatch(unit))


def figures(folded: str) -> list[Figure]:
    """Every number in folded text, as values with their kinds."""
    found = []
    for m in FIGURE.finditer(normalise(folded)):
        value = float(m.group("number").replace(",", "")) * _MULTIPLIERS.get((m.group("mult") or "").strip(), 1.0)
        found.append(Figure(m.group(0).strip(), value, _kind(m.group("unit"))))
    return found


def unsupported(claimed: list[Figure], supported: list[Figure]) -> list[Figure]:
    """The claimed figures no supported figure has the value (and, where both say, the kind) of."""
    return [f for f in claimed if not any(f.matches(s) for s in supported)]
