"""Scraped page -> clean article text plus metadata.

Whatever survives here can be quoted to a user as "the article says", so the cleaner is
deliberately conservative: a sentence that looks like spam, navigation, a sales pitch or
mojibake is dropped whole rather than patched, because a patched sentence is no longer
something the article said. Each drop is recorded with its reason so a reviewer can audit it.

What is kept is the article's own wording and script (Traditional stays Traditional) minus
pinyin glosses; matching uses `bot.core.text.fold` on top of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

from bot.core.knowledge_files import CleaningFile
from bot.core.text import fold, strip_pinyin_glosses
from bot.core.yaml_files import load_model

DATE = re.compile(r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})")
PHONE = re.compile(r"(?<!\d)(?:\d{3,4}-\d{3,4}-\d{3,4}|1[3-9]\d{9}|400\d{7})(?!\d)")
# Characters that do not occur in Chinese prose but do when GBK bytes are decoded as something
# else: kana, bopomofo, enclosed numerals, Cyrillic, Hangul, private use, U+FFFD.
MOJIBAKE_CHARS = re.compile(
    r"[\u0400-\u04ff\u2460-\u24ff\u3040-\u30ff\u3100-\u312f\u3190-\u31bf\uac00-\ud7af\ue000-\uf8ff\ufffd\uff61-\uff9f]"
)
# "?" is a real question mark after a word and before the next sentence; GBK bytes that failed
# to decode show up as "??", or as "?" glued to punctuation (",?;", "?、", "?。").
MOJIBAKE_RUN = re.compile(
    r"\?{2,}[^\s，,。；;：:！!？]*"
    r"|(?<=[，,、;；:：])\?[^\s，,。；;！!？]*"
    r"|[^\s，,。；;：:！!？]*\?(?=[、;；，,。])"
    r"|[^\s，,。；;：:！!？]*" + MOJIBAKE_CHARS.pattern + r"[^\s，,。；;！!？]*"
)
# Sentence ends: Chinese full stops and ASCII ?!; (a "?" inside a mojibake run is not an end, an
# ASCII "!" inside a name like "Yahoo!Japan" is not either).
SENTENCE_END = re.compile(r"(?<=[。！？；])|(?<=!)(?![A-Za-z0-9!])|(?<=[^?,，、][?;])(?![?;；、。，,])")
CLAUSE_END = re.compile(r"[，,：:]")
CHINESE_NUMERAL = "[一二三四五六七八九十]+"
LIST_MARKER = re.compile(r"^(?:[-*•·]\s+|\d+[.、．)]\s*|[（(]\d+[)）])")
SENTENCE_PUNCT = re.compile(r"[。！；;!]")
MAX_HEADING_CHARS = 40


@dataclass(frozen=True)
class CleaningLexicon:
    spam_words: tuple[str, ...]
    brands: tuple[str, ...]
    label_prefixes: tuple[str, ...]
    ad_phrases: tuple[str, ...]
    furniture_prefixes: tuple[str, ...]
    related_headings: tuple[str, ...]
    breadcrumbs: tuple[str, ...]
    date_labels: tuple[str, ...]
    keyword_labels: tuple[str, ...]
    heading_numbers: tuple[str, ...]
    heading_endings: tuple[str, ...]

    @cached_property
    def heading_number(self) -> re.Pattern[str]:
        words = "".join(f"|{re.escape(w)}{CHINESE_NUMERAL}" for w in self.heading_numbers)
        return re.compile(rf"^(?:{CHINESE_NUMERAL}[、.．]|\d+[.、．]\s*{words})")

    def _labelled(self, labels: tuple[str, ...], folded_line: str) -> bool:
        return any(re.match(rf"^{re.escape(label)}[:：]", folded_line) for label in labels)

    def is_date_line(self, folded_line: str) -> bool:
        return self._labelled(self.date_labels, folded_line)

    def is_keyword_line(self, folded_line: str) -> bool:
        return self._labelled(self.keyword_labels, folded_line)

    @classmethod
    def load(cls, path: Path) -> "CleaningLexicon":
        """Through the schema `kb check` reads it with (KnowledgeError names the line and field)."""
        data = load_model(path, CleaningFile)
        return cls(**{name: tuple(fold(v) for v in getattr(data, name)) for name in cls.__dataclass_fields__})


@lru_cache(maxsize=4)
def load_lexicon(path: Path) -> CleaningLexicon:
    return CleaningLexicon.load(path)


@dataclass
class Paragraph:
    text: str
    heading: bool = False
    numbered: bool = False  # a heading numbered as cleaning.yaml's heading_numbers say ("二、", "3.", "误区一")


@dataclass
class CleanArticle:
    title: str
    date: str | None
    keywords: list[str]
    description: str | None
    paragraphs: list[Paragraph]
    dropped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The stored text: what quotes are verbatim spans of."""
        return "\n\n".join(p.text for p in self.paragraphs)


def _iso_date(value: object) -> str | None:
    m = DATE.search(str(value)) if value else None
    return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}" if m else None


def _split_front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---"):
        return {}, text
    parts = re.split(r"^---\s*$", text, maxsplit=2, flags=re.M)
    if len(parts) < 3:
        return {}, text
    try:
        meta = yaml.safe_load(parts[1]) or {}
    except yaml.YAMLError:
        return {}, parts[2]
    return (meta if isinstance(meta, dict) else {}), parts[2]


def _html_to_lines(html: str) -> list[str]:
    """Block elements become lines; images, styles, scripts and hidden elements disappear."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "link", "img", "noscript", "iframe", "svg", "head", "nav", "footer"]):
        tag.decompose()
    for tag in soup.find_all(style=re.compile(r"display\s*:\s*none")):
        tag.decompose()
    blocks = ["p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "td", "dt", "dd", "pre"]
    lines = []
    for tag in soup.find_all(blocks):
        if tag.find(blocks):
            continue
        text = re.sub(r"\s+", " ", tag.get_text(" ", strip=True)).strip()
        text = re.sub(r"(?<=[\u3400-\u9fff\uff00-\uffef]) (?=[\u3400-\u9fff\uff00-\uffef])", "", text)
        if text:
            lines.append(text)
    return lines


def _looks_like_html(text: str) -> bool:
    return len(re.findall(r"</?(?:p|div|article|span|h\d|li|br)\b", text[:20000], flags=re.I)) >= 3


def split_sentences(paragraph: str) -> list[str]:
    """Split on Chinese sentence ends; the pieces concatenate back to the paragraph exactly."""
    return [s for s in SENTENCE_END.split(paragraph) if s]


def is_mojibake(sentence: str) -> bool:
    return bool(MOJIBAKE_RUN.search(sentence))


def clauses_before_mojibake(sentence: str) -> str:
    """The whole clauses of a sentence before its first mojibake run ("" if none survive).

    The run has usually eaten a full stop or a word, so what follows it is unreadable and what
    precedes it may stop mid-clause; only complete clauses before it are still the article's words.
    """
    m = MOJIBAKE_RUN.search(sentence)
    head = sentence[: m.start()] if m else sentence
    cut = max((c.end() for c in CLAUSE_END.finditer(head)), default=0)
    return head[:cut] if cut >= 8 else ""


class _Cleaner:
    def __init__(self, lexicon: CleaningLexicon):
        self.lex = lexicon
        self.dropped: list[tuple[str, str]] = []

    def drop(self, reason: str, text: str) -> None:
        self.dropped.append((reason, text))

    def line_reason(self, line: str) -> str | None:
        """Why a whole line is page furniture, or None if it may be content."""
        f = fold(line)
        if any(w in f for w in self.lex.spam_words):
            return "spam"
        if any(f.startswith(p) for p in self.lex.furniture_prefixes):
            return "navigation"
        if PHONE.search(f) and len(f) < 80:
            return "phone banner"
        stripped = re.sub(r"[\s|,，、:：>»/]+", "", f)
        if len(stripped) <= 1:
            return "navigation"
        if f.rstrip().endswith("|"):
            return "navigation"
        return None

    def clean_sentence(self, sentence: str) -> str | None:
        f = fold(sentence)
        for label in self.lex.label_prefixes:
            if f.lstrip().startswith(label):
                cut = len(sentence) - len(sentence.lstrip()) + len(label)
                sentence, f = sentence[cut:], f.lstrip()[len(label) :]
                break
        if is_mojibake(sentence):
            self.drop("mojibake", sentence)
            sentence = clauses_before_mojibake(sentence)
            f = fold(sentence)
            if not sentence:
                return None
        if any(b in f for b in self.lex.brands) or any(a in f for a in self.lex.ad_phrases):
            self.drop("advertising", sentence)
            return None
        if PHONE.search(f):
            self.drop("phone", sentence)
            return None
        return sentence

    def clean_paragraph(self, line: str) -> str:
        kept = [s for s in (self.clean_sentence(s) for s in split_sentences(line)) if s and s.strip()]
        return "".join(kept).strip()


def _is_heading(line: str, lexicon: CleaningLexicon) -> bool:
    """Short, unpunctuated lines ("二、开设微商城是否需要办理ICP许可证?") title a section: they
    guide retrieval but are not quoted, since a heading is a question or a teaser, not a claim."""
    body = line.strip()
    if len(body) > MAX_HEADING_CHARS or SENTENCE_PUNCT.search(body) or re.search(r"[，,]", body):
        return False
    return (
        bool(lexicon.heading_number.match(fold(body)))
        or fold(body).endswith(lexicon.heading_endings)
        or (len(body) <= 20 and not LIST_MARKER.match(body))
    )


def _drop_link_lists(lines: list[str], cleaner: _Cleaner) -> list[str]:
    """A run of five or more bulleted one-line items with no sentence in them is a link list."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and re.match(r"^[-*•·]\s+", lines[j]) and not re.search(r"[。；]", lines[j]):
            j += 1
        if j - i >= 5:
            for line in lines[i:j]:
                cleaner.drop("related links", line)
            i = j
            continue
        out.append(lines[i])
        i += 1
    return out


def clean_page(raw: str, lexicon: CleaningLexicon, source_name: str = "") -> CleanArticle:
    """Turn one scraped page into a `CleanArticle`."""
    meta, body = _split_front_matter(raw)
    cleaner = _Cleaner(lexicon)
    title = str(meta.get("title") or "").strip()
    date = _iso_date(meta.get("date"))
    keywords_raw = meta.get("keywords") or meta.get("tags") or []
    keywords = [str(k) for k in keywords_raw] if isinstance(keywords_raw, list) else str(keywords_raw).split()
    description = str(meta["description"]).strip() if meta.get("description") else None

    body = strip_pinyin_glosses(body)
    title = strip_pinyin_glosses(title)
    lines = _html_to_lines(body) if _looks_like_html(body) else [ln.strip() for ln in body.split("\n")]
    lines = [ln for ln in lines if ln]

    # Template of the consultancy's CMS: everything above the breadcrumb is site chrome
    # (and, on some pages, injected spam); the line after it is the title, then a byline.
    for i, line in enumerate(lines):
        if fold(line).startswith(lexicon.breadcrumbs):
            for skipped in lines[: i + 1]:
                cleaner.drop("navigation", skipped)
            lines = lines[i + 1 :]
            if lines and not title:
                title = lines.pop(0)
            break

    content: list[str] = []
    for line in lines:
        f = fold(line)
        if lexicon.is_date_line(f):
            date = date or _iso_date(f)
            cleaner.drop("byline", line)
            continue
        if lexicon.is_keyword_line(f):
            words = re.sub(r"^[^:：]+[:：]", "", line)
            for phrase in lexicon.ad_phrases:  # "关键词：ICP许可证 在线咨询"
                words = re.sub(re.escape(phrase), "", words, flags=re.I)
            keywords = keywords or [w for w in re.split(r"\s+", words) if w]
            cleaner.drop("byline", line)
            continue
        if any(f.startswith(h) for h in lexicon.related_headings):
            cleaner.drop("related links", line)
            break
        reason = cleaner.line_reason(line)
        if reason:
            cleaner.drop(reason, line)
            continue
        content.append(line)

    content = _drop_link_lists(content, cleaner)
    if title and content and fold(content[0]) == fold(title):
        content.pop(0)
    if not title and content and len(content[0]) <= MAX_HEADING_CHARS and not SENTENCE_PUNCT.search(content[0]):
        title = content.pop(0)
    keywords = [k for k in keywords if not any(a in fold(k) for a in lexicon.ad_phrases)]
    if not title:
        title = Path(source_name).stem if source_name else "untitled"

    paragraphs: list[Paragraph] = []
    for line in content:
        heading = _is_heading(line, lexicon)
        text = line if heading else cleaner.clean_paragraph(line)
        if heading and (is_mojibake(text) or cleaner.line_reason(text)):
            cleaner.drop("mojibake" if is_mojibake(text) else "navigation", text)
            continue
        if text:
            numbered = heading and bool(lexicon.heading_number.match(fold(text)))
            paragraphs.append(Paragraph(text=text, heading=heading, numbered=numbered))
    return CleanArticle(
        title=title,
        date=date,
        keywords=keywords,
        description=description,
        paragraphs=paragraphs,
        dropped=cleaner.dropped,
    )
