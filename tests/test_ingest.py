"""Ingest on real files, a real Chroma on disk and the real bundled model."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.answering.knowledge import Knowledge
from bot.answering.answer import answer
from bot.index.layout import read_current
from bot.index.store import load_index
from conftest import ARTICLES, make_settings
from ingest.pipeline import ingest

QUIET = dict(show_progress=False, log=lambda m: None)


class CountingEmbedder:
    """The real embedder, counting what it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.name, self.passages = inner, inner.name, 0

    def embed_passages(self, texts):
        self.passages += len(texts)
        return self.inner.embed_passages(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)

    def embed_queries(self, texts):
        return self.inner.embed_queries(texts)


def copy_articles(tmp_path: Path) -> Path:
    target = tmp_path / "articles"
    shutil.copytree(ARTICLES, target)
    return target


def test_unchanged_corpus_is_not_re_embedded_and_changes_only_embed_what_changed(tmp_path, embedder):
    articles = copy_articles(tmp_path)
    settings = make_settings(tmp_path / "data")
    counting = CountingEmbedder(embedder)
    first = ingest([articles], settings, embedder=counting, **QUIET)
    assert first.files == 5 and counting.passages == first.units > 50

    counting.passages = 0
    again = ingest([articles], settings, embedder=counting, **QUIET)
    assert again.up_to_date and counting.passages == 0 and again.generation == first.generation

    (articles / "004_f210a3d66f699e27.txt").write_text(
        (articles / "004_f210a3d66f699e27.txt").read_text(encoding="utf-8").replace("6、国家规定的其他相关条件。", "6、国家规定的其他相关条件。</p><p>7、新增的一条办理条件说明。"),
        encoding="utf-8")
    changed = ingest([articles], settings, embedder=counting, **QUIET)
    assert 0 < counting.passages <= 3, counting.passages
    assert changed.reused == changed.units - counting.passages


def test_deleted_article_leaves_the_index(tmp_path, embedder):
    articles = copy_articles(tmp_path)
    settings = make_settings(tmp_path / "data")
    ingest([articles], settings, embedder=embedder, **QUIET)
    (articles / "003_be9c2a5fc99e954d.txt").unlink()
    report = ingest([articles], settings, embedder=embedder, **QUIET)
    index = load_index(settings)
    assert report.files == 4
    assert not any("003_be9c2a5fc99e954d" in d["source"] for d in index.docs.values())
    assert index.collection.count() == len(index.units) == report.units
    assert len([p for p in (settings.data_dir / "index").iterdir() if p.is_dir()]) == 1


def test_bad_files_are_skipped_by_name_and_the_rest_index(tmp_path, embedder):
    articles = copy_articles(tmp_path)
    (articles / "empty.txt").write_bytes(b"")
    (articles / "binary.txt").write_bytes(bytes(range(256)) * 4)
    gbk = "游戏社交平台的语音聊天房需要办理国内多方通信业务许可证。本文为测试用的GBK编码文章。"
    (articles / "gbk.txt").write_bytes(gbk.encode("gbk"))
    (articles / "bom.txt").write_bytes(b"\xef\xbb\xbf" + "BOM开头的UTF-8文章：ICP备案与ICP许可证不同。".encode("utf-8"))
    report = ingest([articles], settings := make_settings(tmp_path / "data"), embedder=embedder, **QUIET)
    assert report.files == 7
    assert any("empty.txt: empty" in s for s in report.skipped)
    assert any("binary.txt: binary" in s for s in report.skipped)
    texts = {Path(d["source"]).name: d for d in load_index(settings).docs.values()}
    assert gbk in texts["gbk.txt"]["text"] and texts["gbk.txt"]["encoding"] == "gb18030"
    assert texts["bom.txt"]["text"].startswith("BOM开头")


def _generations(data: Path) -> set[str]:
    return {p.name for p in (data / "index").iterdir() if p.is_dir()}


@pytest.mark.parametrize("point, survivor", [
    ("ingest:embedding", "old"),          # killed while embedding the new article
    ("write:chroma-batch", "old"),        # inside write_generation: vectors half in the new collection
    ("write:before-manifest", "old"),     # inside write_generation: files written, manifest not yet
    ("publish:before-rename", "old"),     # inside publish: CURRENT.tmp written, not yet renamed
    ("publish:before-cleanup", "new"),    # inside publish: CURRENT flipped, old generation not yet removed
])
def test_ingest_killed_at_any_point_leaves_an_index_answering(tmp_path, embedder, point, survivor):
    articles = copy_articles(tmp_path)
    data = tmp_path / "data"
    settings = make_settings(data)
    ingest([articles], settings, embedder=embedder, **QUIET)
    before = read_current(settings)
    text = (articles / "002_efd8fce62a7682d1.txt").read_text(encoding="utf-8")
    (articles / "copy_00.txt").write_text(text.replace("社交類", "社交0類"), encoding="utf-8")
    env = dict(os.environ, LICENSEBOT_DATA_DIR=str(data), LICENSEBOT_CRASH_AT=point)
    done = subprocess.run([sys.executable, "-m", "bot", "ingest", "-q", str(articles)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, f"the crash point {point} was never reached: {done.stderr[-2000:]}"
    after = read_current(settings)
    assert (after == before) if survivor == "old" else (after != before and after is not None)
    k = Knowledge.load(settings, embedder)
    assert len(k.index.docs) == (5 if survivor == "old" else 6)
    assert k.index.collection.count() == len(k.index.units)
    assert answer("我的语音聊天房小程序需要多方通信许可证吗？", k).verdict.value == "required"
    # The next ingest repairs: one complete generation, nothing half-written left behind.
    report = ingest([articles], settings, embedder=embedder, **QUIET)
    assert report.files == 6 and not report.errors
    k = Knowledge.load(settings, embedder)
    assert len(k.index.docs) == 6 and k.index.collection.count() == len(k.index.units)
    assert _generations(data) == {read_current(settings)} or report.up_to_date


def test_ingest_cli_prints_one_summary_line(tmp_path):
    env = dict(os.environ, LICENSEBOT_DATA_DIR=str(tmp_path / "data"))
    out = subprocess.run([sys.executable, "-m", "bot", "ingest", "--quiet", str(ARTICLES)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    line = out.stdout.strip().splitlines()[-1]
    assert line.startswith("ingest: 5 files,") and "0 skipped, 0 errors" in line and "s —" in line


def test_links_out_of_the_corpus_are_skipped_and_sources_are_never_server_paths(tmp_path, embedder):
    articles = copy_articles(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("服务器密码：hunter2。这段文字不在知识库里。", encoding="utf-8")
    (articles / "passwd.txt").symlink_to("/etc/passwd")
    (articles / "secret.txt").symlink_to(outside / "secret.txt")
    (articles / "linked").symlink_to(outside, target_is_directory=True)
    (articles / "same.txt").symlink_to(articles / "003_be9c2a5fc99e954d.txt")  # inside: the same article once
    settings = make_settings(tmp_path / "data")
    report = ingest([articles], settings, embedder=embedder, **QUIET)
    assert report.files == 5 and not report.errors
    assert any(s.startswith("articles/passwd.txt: a link out of the corpus") for s in report.skipped), report.skipped
    assert any(s.startswith("articles/secret.txt: a link out of the corpus") for s in report.skipped)
    assert any(s.startswith("articles/linked: a linked folder") for s in report.skipped)
    index = load_index(settings)
    text = " ".join(d["text"] for d in index.docs.values())
    assert "root:" not in text and "hunter2" not in text
    sources = [d["source"] for d in index.docs.values()]
    assert all(not s.startswith("/") and str(tmp_path) not in s for s in sources), sources
    assert "articles/002_efd8fce62a7682d1.txt" in sources  # relative to the folder given, as users see it
