from pathlib import Path

import pytest

from ingest.read import UnreadableArticle, decode_article, read_article

SAMPLE = "社交类小程序为何需要ICP证和多方通信许可证。语音聊天房属于多方通信业务。"


def test_gbk_article_is_decoded():
    text, enc = decode_article(SAMPLE.encode("gbk"), "a.txt")
    assert text == SAMPLE and enc == "gb18030"


def test_utf8_bom_is_stripped():
    text, enc = decode_article(b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"), "a.txt")
    assert text == SAMPLE and enc == "utf-8-sig"


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
