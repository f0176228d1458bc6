"""Text normalisation for *matching*, never for what is shown.

The stored text keeps the article's own script (Traditional pages stay Traditional) so a quote
is exactly what the article said. Matching (BM25, rules, typo tolerance, the embedder) runs on a
folded form: OpenCC Traditional->Simplified, NFKC (full-width -> half-width) and lower case.
OpenCC `t2s` maps character by character for almost all text; `fold()` keeps a same-length
guarantee per character so that a match found in the folded text points at the same span of the
stored text (see `fold_aligned`).

Ingest (cleaning, chunking), the knowledge files (rule quotes) and answering (matching, lexical
search) all fold the same way, which is why this lives in the bottom layer.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

# A pinyin gloss is a parenthesised lower-case syllable with a tone mark, right after a Han
# character: 互聯(lián)網(wǎng). Scrapers of some Traditional sites inject them; they break
# both matching ("聯(lián)網" is not "联网") and quoting, so ingest removes them.
_TONE = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
PINYIN_GLOSS = re.compile(rf"(?<=[\u3400-\u9fff])[(（][a-zü{_TONE}]*[{_TONE}][a-zü{_TONE}]*[)）]")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def strip_pinyin_glosses(text: str) -> str:
    return PINYIN_GLOSS.sub("", text)


def to_simplified(text: str) -> str:
    return str(_t2s().convert(text))


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch).lower()
    return folded if len(folded) == 1 else ch.lower()


def fold(text: str) -> str:
    """Simplified, half-width, lower-case form used for every comparison."""
    return fold_aligned(text)


@lru_cache(maxsize=4096)  # a few MB at most, also when ingest folds 145k units
def fold_aligned(text: str) -> str:
    """Like `fold`, but guaranteed to have the same length as `text`.

    OpenCC may convert a phrase to a different length; when it does we fall back to
    character-by-character conversion so that offsets in the folded text are offsets in `text`.
    Remembered: answering one question folds the same unit texts and question parts ~100 times.
    """
    simplified = to_simplified(text)
    if len(simplified) != len(text):
        simplified = "".join(to_simplified(c) if len(to_simplified(c)) == 1 else c for c in text)
    return "".join(_fold_char(c) for c in simplified)


def find_verbatim(quote: str, text: str, folded_text: str | None = None) -> tuple[int, int] | None:
    """Where `quote` stands in `text`, tolerant of script and width only: (start, end) of the
    stored span, or None. Pass `folded_text` (= fold_aligned(text)) when searching one text often."""
    needle = fold_aligned(quote)
    if not needle:
        return None
    hay = folded_text if folded_text is not None else fold_aligned(text)
    pos = hay.find(needle)
    return (pos, pos + len(needle)) if pos != -1 else None
