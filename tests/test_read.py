from pathlib import Path

import pytest

from ingest.read import UnreadableArticle, decode_article, read_article

SAMPLE = "社交类小程序为何需要ICP证和多方通信许可证。语音聊天房属于多方通信业务。"


def test_gbk_article_is_decoded():
    text, enc, problems = decode_article(SAMPLE.encode("gbk"), "a.txt")
    assert text == SAMPLE and enc == "gb18030" and problems == []


def test_utf8_bom_is_stripped():
    text, enc, _ = decode_article(b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"), "a.txt")
    assert text == SAMPLE and enc == "utf-8"


def test_empty_file_is_refused_with_its_name(tmp_path: Path):
    f = tmp_path / "empty.txt"
    f.write_bytes(b"  \n")
    with pytest.raises(UnreadableArticle, match="empty.txt: empty"):
        read_article(f)


def test_binary_file_is_refused_with_its_name(tmp_path: Path):
    f = tmp_path / "image.txt"
    f.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(UnreadableArticle, match="image.txt: binary"):
        read_article(f)


def test_utf16_article_is_decoded_not_called_binary():
    for data in (SAMPLE.encode("utf-16"), SAMPLE.encode("utf-16-le"), SAMPLE.encode("utf-16-be")):
        text, enc, _ = decode_article(data, "a.txt")
        assert text == SAMPLE and enc == "utf-16"


def test_one_bad_byte_keeps_the_rest_and_names_the_line():
    data = ("第一行没问题。\n" + SAMPLE + "\n第三行也没问题。").encode("utf-8")
    broken = data.replace("语音聊天房".encode(), "语音聊".encode() + b"\xff" + "房".encode())
    text, enc, problems = decode_article(broken, "a.txt")
    assert enc == "utf-8" and "第三行也没问题。" in text and "第一行没问题。" in text
    assert problems == ["a.txt: line 2: bytes that are not UTF-8, left out of that sentence"]
