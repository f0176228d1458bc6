"""Cleaning on the real scraped seeds: nothing a user must never see survives into a chunk."""
import re

import pytest

from bot.core.settings import REPO_ROOT
from ingest.chunk import chunk_article
from ingest.clean import clean_page, is_mojibake, load_lexicon
from bot.core.text import PINYIN_GLOSS, fold
from eval.scoring import article_as_read
from ingest.read import read_article

ARTICLES = sorted((REPO_ROOT / "knowledge" / "articles").glob("*.txt"))
LEXICON = load_lexicon(REPO_ROOT / "knowledge" / "cleaning.yaml")


@pytest.fixture(scope="module")
def cleaned():
    return {p.name: clean_page(read_article(p).text, LEXICON, p.name) for p in ARTICLES}


def all_chunks(cleaned):
    return [(name, c) for name, a in cleaned.items() for c in chunk_article(name, a)]


def test_no_spam_navigation_or_ads_in_any_chunk(cleaned):
    forbidden = ["品茶", "楼凤", "午夜", "无码", "您的当前位置", "4008-919-185", "中企百通", "九蚂蚁", "在线咨询",
                 "<p", "<div", "layout: post", "图片展示", "来找我们"]
    for name, chunk in all_chunks(cleaned):
        text = fold(chunk.text)
        for word in forbidden:
            assert fold(word) not in text, f"{name}: {word!r} in chunk {chunk.text[:60]}"


def test_no_pinyin_gloss_or_mojibake_in_any_chunk(cleaned):
    for name, chunk in all_chunks(cleaned):
        assert not PINYIN_GLOSS.search(chunk.text), chunk.text
        assert not is_mojibake(chunk.text), chunk.text
        assert "??" not in chunk.text and not re.search(r"[\u3040-\u30ff\u3100-\u312f]", chunk.text), chunk.text


def test_related_article_link_list_is_dropped(cleaned):
    text = cleaned["003_be9c2a5fc99e954d.txt"].text
    assert "EDI许可证年检常见问题" not in text
    assert "提供收费服务(比如会员订阅、增值服务)" in text  # a real three-item list stays


def test_titles_dates_and_keywords_are_extracted(cleaned):
    assert cleaned["000_312e805880a49faf.txt"].title == "小程序需要办理ICP许可证(小程序上架需要哪些资质)"
    assert cleaned["000_312e805880a49faf.txt"].date == "2023-06-29"
    assert cleaned["001_036bdf49a3de0fcf.txt"].date == "2024-08-13"
    assert cleaned["002_efd8fce62a7682d1.txt"].title == "社交類小程序為何需要ICP證和多方通信許可證"
    assert cleaned["002_efd8fce62a7682d1.txt"].date == "2025-07-02"
    assert "社交app上架" in cleaned["002_efd8fce62a7682d1.txt"].keywords
    assert cleaned["003_be9c2a5fc99e954d.txt"].title == "详解ICP经营许可证办理流程避坑指南确保合规运营"
    assert cleaned["004_f210a3d66f699e27.txt"].title == "做微信小程序需要ICP证书吗"
    assert cleaned["004_f210a3d66f699e27.txt"].date == "2024-08-06"


def test_traditional_article_keeps_its_script_without_glosses(cleaned):
    text = cleaned["002_efd8fce62a7682d1.txt"].text
    assert "互聯網" in text and "(lián)" not in text


def test_substantive_advice_under_consultancy_label_is_kept(cleaned):
    text = fold(cleaned["002_efd8fce62a7682d1.txt"].text)
    assert "如果仅提供1对1的语音/视频聊天功能" in text
    assert "建议委托专业机构" not in text


def test_mojibake_sentence_keeps_only_whole_clauses_before_the_run(cleaned):
    text = cleaned["001_036bdf49a3de0fcf.txt"].text
    assert "企业才能合法从事经营性互联网信息服务," in text
    assert "停业整顿" not in text
    assert any(r == "mojibake" for r, _ in cleaned["001_036bdf49a3de0fcf.txt"].dropped)


def test_every_quotable_sentence_is_verbatim_in_the_article_file_and_inside_one_paragraph(cleaned):
    """Sentences are what gets quoted: each must be found in the file as a reader sees it (checked
    without the cleaner), stay inside its chunk and its paragraph, and be short enough to read."""
    sentences = 0
    for name, a in cleaned.items():
        page = article_as_read(f"knowledge/articles/{name}")
        for chunk in chunk_article(name, a):
            assert chunk.start <= chunk.sentences[0][0] and chunk.sentences[-1][1] <= chunk.end
            for s, e in chunk.sentences:
                sentence = a.text[s:e]
                assert sentence.strip() == sentence and 0 < len(sentence) <= 150, sentence
                assert "\n" not in sentence, sentence
                assert re.sub(r"\s+", "", sentence) in page, (name, sentence)
                sentences += 1
    assert sentences > 150
