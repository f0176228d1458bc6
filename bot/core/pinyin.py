"""Whether Latin letters are Chinese written in pinyin ("wo men de app yao ban ICP zheng ma"): such a
message is answered in Chinese, as its writer reads Chinese. A word is pinyin when it splits into
pinyin syllables (initial + final, no tones); a message is pinyin when most of its lower-case words
are, since English words only now and then split so ("men", "change")."""

from __future__ import annotations

import re
from functools import lru_cache

_SYLLABLE = re.compile(
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|uai|uan|ian|iao|ai|ei|ao|ou|an|en|er|in|un|ui|ia|ie|iu|ua|uo|ue|ve|a|o|e|i|u|v)"
)
_WORD = re.compile(r"[A-Za-z]+")
SHARE = 0.85  # of a message's words that split into syllables for it to be pinyin
MIN_WORDS = 4  # fewer words say too little ("hi", "ok")


def syllables(word: str) -> list[str] | None:
    """The word (lower case) split into the fewest pinyin syllables ("xian" stays one, "fangan" is fang + an),
    or None when it does not split into syllables from start to end."""
    best: dict[int, list[str]] = {0: []}
    for start in range(len(word)):
        if start not in best:
            continue
        for end in range(start + 1, min(len(word), start + 6) + 1):
            if _SYLLABLE.fullmatch(word, start, end) and (end not in best or len(best[end]) > len(best[start]) + 1):
                best[end] = best[start] + [word[start:end]]
    return best.get(len(word))


@lru_cache(maxsize=4096)
def is_pinyin_word(word: str) -> bool:
    return syllables(word) is not None


def is_pinyin(text: str) -> bool:
    """Most lower-case words are pinyin (capitalised ones such as ICP, VIP or App are names, not counted)."""
    words = [w for w in _WORD.findall(text) if w.islower() and len(w) > 1]
    if len(words) < MIN_WORDS:
        return False
    return sum(map(is_pinyin_word, words)) >= SHARE * len(words)
