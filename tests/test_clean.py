"""Cleaning on the real scraped seeds: nothing a user must never see survives into a chunk."""

import re

import pytest

from bot.core.settings import REPO_ROOT
from ingest.units import build_units
from ingest.clean import clean_page, is_mojibake, load_lexicon
from bot.core.text import PINYIN_GLOSS, fold
from eval.scoring import article_as_read
from ingest.read import read_article

ARTICLES = sorted((REPO_ROOT / "knowledge" / "articles").glob("*.txt"))
LEXICON = load_lexicon(REPO_ROOT / "knowledge" / "cleaning.yaml")


@pytest.fixture(scope="module")
def cleaned():
    return {p.name: clean_page(read_article(p).text, LEXICON, p.name) for p in ARTICLES}


def all_units(cleaned):
    return [(name, u) for name, a in cleaned.items() for u in build_units(name, a)]


def test_no_spam_navigation_or_ads_in_any_chunk(cleaned):
    forbidden = [
        "品茶",
        "楼凤",
        "午夜",
        "无码",
        "您的当前位置",
        "4008-919-185",
        "中企百通",
        "九蚂蚁",
        "在线咨询",
        "<p",
        "<div",
        "layout: post",
        "图片展示",
        "来找我们",
    ]
    for name, unit in all_units(cleaned):
        text = fold(unit.text)
        for word in forbidden:
            assert fold(word) not in text, f"{name}: {word!r} in unit {unit.text[:60]}"


def test_no_pinyin_gloss_or_mojibake_in_any_chunk(cleaned):
    for name, unit in all_units(cleaned):
        assert not PINYIN_GLOSS.search(unit.text), unit.text
        assert not is_mojibake(unit.text), unit.text
        assert "??" not in unit.text and not re.search(r"[\u3040-\u30ff\u3100-\u312f]", unit.text), unit.text


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


def test_every_unit_is_verbatim_in_the_article_file_and_sentences_stay_inside_one_paragraph(cleaned):
    """Units are what gets quoted: each must be found in the file as a reader sees it (checked
    without the cleaner); a sentence stays inside its paragraph and is short enough to read."""
    sentences = 0
    for name, a in cleaned.items():
        page = article_as_read(f"knowledge/articles/{name}")
        for unit in build_units(name, a):
            assert a.text[unit.start : unit.end] == unit.text and unit.text.strip() == unit.text
            assert re.sub(r"\s+", "", unit.text) in page, (name, unit.text)
            if unit.kind == "sentence":
                assert 0 < len(unit.text) <= 150 and "\n" not in unit.text, unit.text
                sentences += 1
    assert sentences > 150


def test_a_lead_in_is_a_unit_together_with_the_list_that_follows_it(cleaned):
    """ "…主要包括：" is never a quote on its own: the list unit starts with it and holds every item."""
    units = build_units("002", cleaned["002_efd8fce62a7682d1.txt"])
    lists = [u for u in units if u.kind == "list" and u.text.startswith("辦理國內多方通信業務許可證的條件相對嚴格")]
    assert len(lists) == 1
    conditions = lists[0]
    assert len(conditions.parts) == 6  # the lead-in and its five items
    for item in ("公司資質", "經營記錄", "人員要求", "技術方案與設備", "信息安全管理制度"):
        assert item in conditions.text
    assert "2. 辦理條件與要求" in conditions.heading and conditions.section.startswith("二、")
    penalties = next(u for u in units if u.kind == "list" and "嚴峻后果" in u.text)
    assert "10萬元以上100萬元以下" in penalties.text and "責令關閉" in penalties.text


def test_an_ascii_exclamation_mark_inside_a_name_does_not_end_the_sentence():
    from ingest.clean import split_sentences

    assert split_sentences("用户来自Yahoo!Japan的合作。后来很好!今天") == [
        "用户来自Yahoo!Japan的合作。",
        "后来很好!",
        "今天",
    ]


def test_a_cms_of_another_kind_is_taught_in_cleaning_yaml_not_in_code(tmp_path):
    """Another site's template: its breadcrumb, byline labels and numbered headings are words of
    cleaning.yaml. With the shipped lexicon they stay in the text; added to a copy, the same code drops the
    chrome, reads the date and keywords, and ranks "要点一" as a numbered heading that opens a section."""
    page = "\n".join(
        [
            "站内导航 > 资讯 > 许可证",
            "ICP许可证怎么办",
            "发布于：2025-03-01",
            "标记词：ICP许可证 增值电信",
            "要点一",
            "办理ICP许可证需要公司注册资本不低于100万元。",
            "要点二",
            "审批一般需要60个工作日。",
        ]
    )
    shipped = clean_page(page, LEXICON, "x.txt")
    assert shipped.title.startswith("站内导航") and shipped.date is None and "发布于" in shipped.text

    path = tmp_path / "cleaning.yaml"
    text = (REPO_ROOT / "knowledge" / "cleaning.yaml").read_text(encoding="utf-8")
    text = text.replace("breadcrumbs: [", "breadcrumbs: [站内导航, ").replace(
        "date_labels: [", "date_labels: [发布于, "
    )
    text = text.replace("keyword_labels: [", "keyword_labels: [标记词, ").replace(
        "heading_numbers: [", "heading_numbers: [要点, "
    )
    path.write_text(text, encoding="utf-8")
    taught = clean_page(page, load_lexicon(path), "x.txt")
    assert taught.title == "ICP许可证怎么办"
    assert taught.date == "2025-03-01"
    assert taught.keywords == ["ICP许可证", "增值电信"]
    assert "站内导航" not in taught.text and "发布于" not in taught.text
    assert [p.numbered for p in taught.paragraphs if p.heading] == [True, True]
    sections = {u.section for u in build_units("x", taught)}
    assert {"要点一", "要点二"} <= sections
