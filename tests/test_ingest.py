"""Ingest on real files, a real Chroma on disk and the real bundled model."""

from __future__ import annotations

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
from bot.index.segments import read_segment
from bot.index.store import load_index
from conftest import ARTICLES, make_settings
from ingest.pipeline import ingest

QUIET = dict(show_progress=False, log=lambda m: None)


class CountingEmbedder:
    """The real embedder, counting what it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.name, self.dimension, self.passages = inner, inner.name, inner.dimension, 0

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


def segment_files(settings) -> dict[str, int]:
    """Each segment file and its modification time in ns: what a run wrote or left alone."""
    return {p.name: p.stat().st_mtime_ns for p in (settings.data_dir / "index" / "segments").iterdir()}


def live_fingerprints(index) -> set[str]:
    return {u.fingerprint for u in index.units}


def test_unchanged_files_are_not_read_and_an_edit_touches_only_its_article(tmp_path, embedder):
    articles = copy_articles(tmp_path)
    settings = make_settings(tmp_path / "data", retire_grace_s=0)
    counting = CountingEmbedder(embedder)
    first = ingest([articles], settings, embedder=counting, **QUIET)
    assert (
        first.files == 5
        and first.read == 5
        and counting.passages == first.embedded == len(live_fingerprints(load_index(settings))) > 50
    )

    counting.passages = 0
    again = ingest([articles], settings, embedder=counting, **QUIET)
    assert again.up_to_date and again.read == 0 and counting.passages == 0 and again.generation == first.generation

    os.utime(articles / "003_be9c2a5fc99e954d.txt")  # touched, not changed: read and hashed, nothing else
    touched = ingest([articles], settings, embedder=counting, **QUIET)
    assert touched.up_to_date and touched.read == 1 and counting.passages == 0

    before = segment_files(settings)
    edited = articles / "004_f210a3d66f699e27.txt"
    edited.write_text(
        edited.read_text(encoding="utf-8").replace(
            "6、国家规定的其他相关条件。", "6、国家规定的其他相关条件。</p><p>7、新增的一条办理条件说明。"
        ),
        encoding="utf-8",
    )
    changed = ingest([articles], settings, embedder=counting, **QUIET)
    assert changed.read == 1 and 0 < counting.passages <= 3, counting.passages
    after = segment_files(settings)
    kept = {name: ns for name, ns in before.items() if name in after}
    assert len(kept) == len(before) - 3  # the edited article's three files were replaced, no other was rewritten
    assert all(after[name] == ns for name, ns in kept.items())
    index = load_index(settings)
    assert index.store.count() == len(live_fingerprints(index))  # its old vectors were collected (grace 0)
    assert "7、新增的一条办理条件说明。" in " ".join(u.text for u in index.units)


def test_deleted_article_leaves_the_index(tmp_path, embedder):
    articles = copy_articles(tmp_path)
    settings = make_settings(tmp_path / "data", retire_grace_s=0)
    ingest([articles], settings, embedder=embedder, **QUIET)
    (articles / "003_be9c2a5fc99e954d.txt").unlink()
    report = ingest([articles], settings, embedder=embedder, **QUIET)
    index = load_index(settings)
    assert report.files == 4
    assert not any("003_be9c2a5fc99e954d" in d.source for d in index.docs.values())
    assert index.store.count() == len(live_fingerprints(index)) and len(index.units) == report.units
    assert len(segment_files(settings)) == 4 * 3
    assert (
        len(
            [p for p in (settings.data_dir / "index").iterdir() if p.is_dir() and p.name not in ("segments", "lexical")]
        )
        == 1
    )
    assert (
        len(list((settings.data_dir / "index" / "lexical").iterdir())) == 1
    )  # the replaced generation's lexical base went too


def test_a_replaced_generation_is_kept_for_its_grace_period(tmp_path, embedder):
    articles = copy_articles(tmp_path)
    settings = make_settings(tmp_path / "data", retire_grace_s=3600)
    first = ingest([articles], settings, embedder=embedder, **QUIET)
    (articles / "003_be9c2a5fc99e954d.txt").unlink()
    second = ingest([articles], settings, embedder=embedder, **QUIET)
    old = settings.data_dir / "index" / first.generation
    assert (old / "RETIRED").exists() and (old / "manifest.json").exists()
    assert len(segment_files(settings)) == 5 * 3  # the removed article's segment stays while its generation may be read
    index = load_index(settings)
    assert index.generation == second.generation and index.store.count() > len(live_fingerprints(index))
    assert all(index.units[p].doc_id in index.docs for p in index.dense(embedder.embed_query("ICP备案"), 20))


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
    index = load_index(settings)
    texts = {Path(d.source).name: d for d in index.docs.values()}
    assert gbk in texts["gbk.txt"].text and texts["bom.txt"].text.startswith("BOM开头")
    stored = {Path(s.doc["source"]).name: s.doc for s in (read_segment(settings, p.key) for p in index.parts)}
    assert stored["gbk.txt"]["encoding"] == "gb18030" and stored["bom.txt"]["encoding"].startswith("utf-8")


@pytest.fixture(scope="module")
def indexed_with_a_copy(tmp_path_factory, embedder):
    """The shipped articles plus a variant of one (copy_00.txt), indexed once; tests copy it."""
    root = tmp_path_factory.mktemp("kill-base")
    articles = copy_articles(root)
    text = (articles / "002_efd8fce62a7682d1.txt").read_text(encoding="utf-8")
    (articles / "copy_00.txt").write_text(text.replace("社交類", "社交0類"), encoding="utf-8")
    ingest([articles], make_settings(root / "data"), embedder=embedder, **QUIET)
    Knowledge.load(make_settings(root / "data"), embedder)  # its wording-vector cache is copied with the data
    return root, text


def unused_leftovers(settings) -> list[str]:
    """Anything on disk that no live generation lists."""
    index = load_index(settings)
    live = set(index.manifest["segments"])
    root = settings.data_dir / "index"
    extra = [
        p.name for p in (root / "segments").iterdir() if p.name.split(".")[0] not in live or p.name.endswith(".tmp")
    ]
    extra += [p.name for p in root.iterdir() if p.is_dir() and p.name not in ("segments", "lexical", index.generation)]
    extra += [f"lexical/{p.name}" for p in (root / "lexical").iterdir() if p.name != index.manifest["lexical"]]
    extra += [p.name for p in root.glob("CURRENT.*")] + [p.name for p in root.glob("PENDING")]
    if index.store.count() != len(live_fingerprints(index)):
        extra.append(f"{index.store.count() - len(live_fingerprints(index))} vectors")
    return extra


@pytest.mark.parametrize(
    "point, survivor",
    [
        ("ingest:embedding", "old"),  # while embedding the edited article
        ("write:chroma-batch", "old"),  # its new vectors half added to the collection
        ("write:segment", "old"),  # its segment's vectors and tokens written, not its JSON
        ("write:before-manifest", "old"),  # the new generation's directory made, not its manifest
        ("publish:before-rename", "old"),  # CURRENT.tmp written, not yet renamed
        ("publish:before-cleanup", "new"),  # CURRENT flipped, nothing collected yet
        ("cleanup:chroma-batch", "new"),  # the old variant's vectors half deleted
    ],
)
def test_ingest_killed_at_any_point_leaves_an_index_answering(tmp_path, embedder, indexed_with_a_copy, point, survivor):
    base, text = indexed_with_a_copy
    articles, data = tmp_path / "articles", tmp_path / "data"
    shutil.copytree(base / "articles", articles)
    shutil.copytree(base / "data", data)
    settings = make_settings(data, retire_grace_s=0)
    before = read_current(settings)
    (articles / "copy_00.txt").write_text(text.replace("社交類", "社交1類"), encoding="utf-8")
    env = dict(os.environ, LICENSEBOT_DATA_DIR=str(data), LICENSEBOT_CRASH_AT=point, LICENSEBOT_RETIRE_GRACE_S="0")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ingest", "-q", str(articles)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == -signal.SIGKILL, f"the crash point {point} was never reached: {done.stderr[-2000:]}"
    after = read_current(settings)
    assert (after == before) if survivor == "old" else (after != before and after is not None)
    k = Knowledge.load(settings, embedder)
    copy = next(d for d in k.index.docs.values() if d.source.endswith("copy_00.txt"))
    assert ("社交0類" if survivor == "old" else "社交1類") in copy.text
    assert answer("我的语音聊天房小程序需要多方通信许可证吗？", k).verdict.value == "required"
    # The next ingest (of yet another variant, so nothing the killed run wrote is reused) repairs: one
    # complete generation and nothing on disk or in Chroma that it does not list.
    (articles / "copy_00.txt").write_text(text.replace("社交類", "社交2類"), encoding="utf-8")
    report = ingest([articles], settings, embedder=embedder, **QUIET)
    assert report.files == 6 and not report.errors
    k = Knowledge.load(settings, embedder)
    assert "社交2類" in next(d for d in k.index.docs.values() if d.source.endswith("copy_00.txt")).text
    assert unused_leftovers(settings) == []


def test_ingest_cli_prints_one_summary_line(tmp_path):
    env = dict(os.environ, LICENSEBOT_DATA_DIR=str(tmp_path / "data"))
    out = subprocess.run(
        [sys.executable, "-m", "bot", "ingest", "--quiet", str(ARTICLES)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
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
    text = " ".join(d.text for d in index.docs.values())
    assert "root:" not in text and "hunter2" not in text
    sources = [d.source for d in index.docs.values()]
    assert all(not s.startswith("/") and str(tmp_path) not in s for s in sources), sources
    assert "articles/002_efd8fce62a7682d1.txt" in sources  # relative to the folder given, as users see it


def test_a_second_ingest_exits_naming_the_holder_or_waits_for_it(tmp_path):
    from bot.index.lock import ingest_lock

    settings = make_settings(tmp_path / "data")
    env = dict(os.environ, LICENSEBOT_DATA_DIR=str(settings.data_dir))
    command = [sys.executable, "-m", "bot", "ingest", "-q", str(ARTICLES)]
    with ingest_lock(settings):  # this test process is the running ingest
        busy = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert busy.returncode == 3 and busy.stdout == ""
        assert f"held by ingest pid {os.getpid()}" in busy.stderr and "--wait" in busy.stderr
        assert len(busy.stderr.strip().splitlines()) == 1
        waiting = subprocess.Popen(
            command + ["--wait"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        said = ""
        for line in waiting.stderr:  # blocks until the waiting ingest says it waits
            said += line
            if "waiting for" in line:
                break
        assert f"ingest pid {os.getpid()}" in said and read_current(settings) is None
    assert waiting.wait(timeout=300) == 0, waiting.stderr.read()
    assert waiting.stdout.read().startswith("ingest: 5 files") and read_current(settings) is not None


def test_an_edit_reads_no_kept_segment_unless_its_files_changed(tmp_path, embedder, monkeypatch):
    """Kept segments are trusted by their files' size and mtime as the live manifest recorded them (a
    stat, not a read): at 145k units reading them all took most of an edit's time. A segment file
    changed behind ingest's back is read back (and kept when sound)."""
    import ingest.pipeline as pipeline
    from bot.index.segments import segment_files

    articles = copy_articles(tmp_path)
    settings = make_settings(tmp_path / "data")
    ingest([articles], settings, embedder=embedder, **QUIET)
    monkeypatch.setattr("bot.index.lexical_base.REBASE_SHARE", 1.0)  # no new lexical base (that reads them all)
    reads: list[str] = []
    real = pipeline.read_segment
    monkeypatch.setattr(pipeline, "read_segment", lambda s, key, **kw: reads.append(key) or real(s, key, **kw))
    edited = articles / "004_f210a3d66f699e27.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    report = ingest([articles], settings, embedder=embedder, **QUIET)
    assert report.files == 5 and not report.rebuilt and reads == []
    kept = load_index(settings).manifest["segments"][0]
    meta = segment_files(settings, kept)[0]
    meta.write_bytes(meta.read_bytes() + b" ")  # same JSON, another size and mtime
    report = ingest([articles], settings, embedder=embedder, **QUIET)
    assert reads == [kept] and report.up_to_date and not report.rebuilt
