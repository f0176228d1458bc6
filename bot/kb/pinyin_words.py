"""Chinese written in pinyin ("women de xiaochengxu you yuyin fangjian, yao ban shenme zheng") read
back into characters, as far as the knowledge's own words go: every word of the catalogue and the
labelled customer messages (knowledge/training), keyed by its toneless pinyin. The longest run of
syllables that spells a known word becomes that word ("yuyin" 语音, "xiaochengxu" 小程序, "zheng" 证);
a syllable no known word spells stays as written. Without tones one spelling can be several words:
the one the knowledge uses most is taken, which is what a reader of this domain would guess too.

Built on the first message in pinyin (a second or two), not at start-up: few messages are pinyin.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import jieba

from bot.core.pinyin import syllables
from bot.core.text import fold
from bot.kb.catalog import Catalog

_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]+$")
_TOKEN = re.compile(r"[A-Za-z]+|[^A-Za-z]+")
LONGEST = 6  # syllables in the longest word looked up
CATALOGUE_WEIGHT = 20  # a catalogue word counts as this many uses: it is the domain's own word


class PinyinReader:
    def __init__(self, words: Counter[str]):
        from pypinyin import lazy_pinyin  # its dictionaries take 50 MB: loaded only when a server needs them

        self.table: dict[tuple[str, ...], str] = {}
        for word, _ in sorted(words.items(), key=lambda wc: (-wc[1], wc[0])):
            key = tuple(lazy_pinyin(word))
            if 0 < len(key) <= LONGEST and key not in self.table:
                self.table[key] = word

    @classmethod
    def of_knowledge(cls, knowledge_dir: Path, catalog: Catalog) -> PinyinReader:
        """Words in Simplified characters (pinyin is Mandarin: a Cantonese particle is never what was meant),
        a word of the messages only when two or more use it."""
        dialect = set(fold(catalog.glossary.function_characters))
        words: Counter[str] = Counter()
        for text in _catalogue_texts(catalog):
            for word in _words(text):
                words[word] += CATALOGUE_WEIGHT
        for text in _training_texts(knowledge_dir / "training"):
            words.update(_words(text))
        return cls(Counter({w: n for w, n in words.items() if n >= 2 and dialect.isdisjoint(w)}))

    def read(self, text: str) -> str:
        """The text with each run of pinyin words spelled in characters where the knowledge knows the word;
        capitalised words (ICP, App), digits and punctuation stay as they are."""
        out: list[str] = []
        run: list[str] = []
        for token in _TOKEN.findall(text):
            split = syllables(token) if token.islower() else None
            if split is not None:
                run += split
            elif token.strip() or not run:
                out.append(self._spelled(run))
                run = []
                out.append(token)
        out.append(self._spelled(run))
        return "".join(out)

    def _spelled(self, run: list[str]) -> str:
        out, at = [], 0
        while at < len(run):
            for size in range(min(LONGEST, len(run) - at), 0, -1):
                word = self.table.get(tuple(run[at : at + size]))
                if word is not None:
                    out.append(word)
                    at += size
                    break
            else:
                out.append(f" {run[at]} ")
                at += 1
        return "".join(out)


def _words(text: str) -> Iterable[str]:
    return (w for w in jieba.lcut(fold(text)) if _CJK_WORD.match(w))


def _catalogue_texts(catalog: Catalog) -> Iterable[str]:
    glossary = catalog.glossary
    for licence in catalog.licenses.values():
        yield from (licence.name, *licence.aliases)
    for feature in catalog.features.values():
        yield from (feature.label, *feature.synonyms, *feature.wordings)
    yield from glossary.stopwords
    yield from glossary.domain_terms
    yield from glossary.context_terms
    for chinese in glossary.english.values():
        yield from chinese


def _training_texts(folder: Path) -> Iterable[str]:
    """The text of every labelled message (a line that is not JSON is skipped: `kb check` names it)."""
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            for key in ("text", "before"):
                if isinstance(row.get(key), str):
                    yield row[key]
