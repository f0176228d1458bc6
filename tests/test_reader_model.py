"""The learned reader (bot/kb/learned/): trained from knowledge/training/ with the real bundled e5 model,
stored as arrays and JSON (no pickle), loaded back to the same predictions, refused in one line when
missing, corrupt, tampered or stale, trained by `licensebot ingest` only when needed, and as good on
the held-out writer as measured when it was built.

Embedding the corpus is the slow part (minutes on two cores): vectors are cached per text in a session
directory, seeded from the worktree's own cache (.licensebot/cache) when a developer has trained
there, so the session trains the full reader once and small corpora in seconds."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from bot.core.settings import REPO_ROOT
from bot.kb.learned import store
from bot.kb.learned.card import evaluate_messages
from bot.kb.learned.featurize import analyzer
from bot.kb.learned.reader import Reader, load_reader, training_needed
from bot.kb.learned.train import fit, fit_tfidf, train
from bot.kb.learned.vectors import CachedEmbedder, VectorCache, cache_dir
from bot.kb.training import load_corpus, vocabulary
from conftest import make_settings

KNOWLEDGE = REPO_ROOT / "knowledge"
SMALLEST_ARTICLE = KNOWLEDGE / "articles" / "004_f210a3d66f699e27.txt"
# Measured on the held-out writers (mixed, counsel, taipei, aftercare and, since the second stop of
# 2026-12-04, deskline: 1,183 messages and 75 pairs of a 5,023-message corpus; not comparable with the
# figures of earlier held-out sets: deskline asks two intents at a time, so intent accuracy reads lower
# than the 0.805 measured on the four earlier writers) by `make test-model` on 2026-12-04, floored to 3
# decimals; every other figure rose. At the sixth stop of 2026-12-04, 19 training lines were reworded so
# that no eval question shares a run with a training file read whole (a key running into its value, one
# line into the next; tests/test_training_corpus.py), two of them refusal examples ("Is there some way to
# keep the chat feature dark during the inspection" -> "Any way …"): refusal macro F1 0.9338 (was at
# least 0.935; accuracy unchanged, 0.978), features with state 0.672 and intent 0.798 (both up).
REFUSAL_MACRO_F1 = 0.933
REFUSAL_ACCURACY = 0.978
FEATURES_MICRO_F1 = 0.821
FEATURES_WITH_STATE_MICRO_F1 = 0.672
INTENT_ACCURACY = 0.798
FOLLOW_UP_ACCURACY = 0.986


@pytest.fixture(scope="session")
def vector_cache(tmp_path_factory, embedder) -> Path:
    """A data dir whose vector cache holds every corpus text (seeded from the worktree's cache)."""
    data = tmp_path_factory.mktemp("reader-vectors")
    seed = cache_dir(REPO_ROOT / ".licensebot", embedder.name)
    if seed.is_dir():
        shutil.copytree(seed, cache_dir(data, embedder.name))
    cache_dir(data, embedder.name).mkdir(parents=True, exist_ok=True)  # a fresh clone has no seed
    return data


def _with_cache(vector_cache: Path, data: Path, embedder) -> Path:
    shutil.copytree(cache_dir(vector_cache, embedder.name), cache_dir(data, embedder.name), dirs_exist_ok=True)
    return data


@pytest.fixture(scope="session")
def fitted(tmp_path_factory, vector_cache, embedder):
    """The full reader, trained once for the session: settings, its folder, and what was saved (meta, arrays)."""
    settings = make_settings(_with_cache(vector_cache, tmp_path_factory.mktemp("reader"), embedder))
    meta, arrays, files = fit(settings, embedder)
    folder = store.reader_dir(settings.data_dir)
    store.save(folder, meta, arrays, files)
    return settings, folder, meta, arrays


@pytest.fixture(scope="session")
def trained(fitted):
    return fitted[:2]


@pytest.fixture(scope="session")
def small_fitted(tmp_path_factory, vector_cache, embedder):
    """A reader trained on a few messages of each writer (seconds): for what does not need the full
    corpus's figures (storage, loading, refusals of broken files). Settings point at that corpus."""
    root = tmp_path_factory.mktemp("small-reader")
    settings = make_settings(_with_cache(vector_cache, root / "data", embedder), small_knowledge(root / "knowledge"))
    meta, arrays, files = fit(settings, embedder)
    folder = store.reader_dir(settings.data_dir)
    store.save(folder, meta, arrays, files)
    return settings, folder, meta, arrays


def small_knowledge(target: Path, per_writer: int = 10, pairs: int = 4, writers: int = 6) -> Path:
    """knowledge/ with the first messages and pairs of the held-out writers and the first `writers` others:
    a corpus that trains in seconds (training leaves each writer out in turn, so it costs a fit per writer)."""
    shutil.copytree(KNOWLEDGE, target, ignore=shutil.ignore_patterns("articles", "*.jsonl"))
    heldout = set((KNOWLEDGE / "training" / "HELDOUT").read_text(encoding="utf-8").split())
    paths = sorted((KNOWLEDGE / "training").glob("*.jsonl"))
    kept_writers = [p for p in paths if p.stem in heldout] + [p for p in paths if p.stem not in heldout][:writers]
    for path in kept_writers:
        lines = path.read_text(encoding="utf-8").splitlines()
        kept = [l for l in lines if '"kind": "message"' in l][:per_writer] + [
            l for l in lines if '"kind": "pair"' in l
        ][:pairs]
        (target / "training" / path.name).write_text("\n".join(kept) + "\n", encoding="utf-8")
    return target


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_training_twice_writes_the_same_bytes(tmp_path, vector_cache, embedder, small_fitted):
    """The session's small training (kept in memory) against a second one, in another data dir."""
    settings, _, meta, arrays = small_fitted
    first = tmp_path / "one"
    store.save(first, {k: v for k, v in meta.items() if k not in ("format", "arrays_sha256")}, arrays)
    second = train(
        make_settings(_with_cache(vector_cache, tmp_path / "two", embedder), settings.knowledge_dir), embedder
    )
    assert set(_digests(second)) == {"model.npz", "model.json", "MODEL_CARD.md", "model_card.json"}
    assert _digests(first) == {k: v for k, v in _digests(second).items() if k in ("model.npz", "model.json")}


def test_the_run_time_tfidf_is_scikit_learns(vector_cache, embedder):
    """The reader transforms with numpy what training fitted with scikit-learn: the same numbers."""
    corpus = load_corpus(KNOWLEDGE / "training", vocabulary(KNOWLEDGE))
    texts = [m.text for m in corpus.messages[:400]]
    from sklearn.feature_extraction.text import TfidfVectorizer

    fitted = TfidfVectorizer(analyzer=analyzer, min_df=3, sublinear_tf=True, dtype=np.float32).fit(texts)
    ours = fit_tfidf(texts)
    unseen = [m.text for m in corpus.messages[-50:]] + ["冇晒語音房啦，we removed it", "  ICP证 多久？？ "]
    assert np.allclose(ours.dense(unseen), fitted.transform(unseen).toarray(), atol=1e-6)


def test_saved_model_has_no_pickle_loads_fast_without_torch_and_predicts_the_same(small_fitted, embedder):
    settings, folder, meta, arrays = small_fitted
    training = settings.knowledge_dir / "training"
    with zipfile.ZipFile(folder / "model.npz") as archive:
        assert all(name.endswith(".npy") for name in archive.namelist())
    with np.load(folder / "model.npz", allow_pickle=False) as stored:
        assert all(stored[name].dtype != object for name in stored.files)
    card = json.loads((folder / "model_card.json").read_text(encoding="utf-8"))
    # Loaded back, the reader gives the held-out figures it was trained to (computed then from memory).
    reader = load_reader(settings, CachedEmbedder(VectorCache(settings.data_dir, embedder.name), embedder))
    corpus = load_corpus(training, vocabulary(settings.knowledge_dir))
    held = [m for m in corpus.messages if m.writer in corpus.heldout]
    pairs = [p for p in corpus.pairs if p.writer in corpus.heldout]
    again = json.loads(json.dumps(evaluate_messages(reader, held, pairs)))
    assert again == card["heldout"]
    # ... and reads each message exactly as the reader that training held in memory.
    loaded_meta, loaded_arrays = store.load(folder, training, embedder.name)
    assert {k: v for k, v in loaded_meta.items() if k not in ("format", "arrays_sha256")} == meta
    assert sorted(loaded_arrays) == sorted(arrays)
    assert all(
        loaded_arrays[k].dtype == arrays[k].dtype and np.array_equal(loaded_arrays[k], arrays[k]) for k in arrays
    )
    in_memory = Reader(meta, arrays, reader.embedder)
    assert [reader.read(m.text) for m in held[:200]] == [in_memory.read(m.text) for m in held[:200]]
    # A fresh process loads it in under a second, without scikit-learn or torch.
    code = (
        "import sys, time; from bot.core.settings import Settings; from bot.kb.learned.reader import load_reader\n"
        "t = time.perf_counter(); r = load_reader(Settings(_env_file=None)); took = time.perf_counter() - t\n"
        "print(took, 'torch' in sys.modules, 'sklearn' in sys.modules, r.read('我们以前有语音房，现在撤了').refusal)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        env=dict(
            os.environ, LICENSEBOT_DATA_DIR=str(settings.data_dir), LICENSEBOT_KNOWLEDGE_DIR=str(settings.knowledge_dir)
        ),
    )
    took, torch, sklearn, refusal = out.stdout.split()
    said = reader.read("我们以前有语音房，现在撤了").refusal  # this small reader's own reading, whatever it is
    assert (
        float(took) < 1.0 and torch == "False" and sklearn == "False" and refusal == str(getattr(said, "value", said))
    )


def test_missing_corrupt_tampered_or_stale_models_give_one_clear_line(tmp_path, small_fitted, embedder):
    settings, folder = small_fitted[:2]
    copy = make_settings(tmp_path / "data", settings.knowledge_dir)
    target = store.reader_dir(copy.data_dir)

    def refusal() -> str:
        with pytest.raises(store.ReaderNotReady) as caught:
            load_reader(copy, embedder)
        message = str(caught.value)
        assert "\n" not in message and "run `licensebot kb train`" in message
        return message

    assert "no learned reader" in refusal()
    shutil.copytree(folder, target)
    assert isinstance(load_reader(copy, embedder), Reader)
    blob = bytearray((target / "model.npz").read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    (target / "model.npz").write_bytes(bytes(blob))
    assert "model.npz: does not match model.json" in refusal()
    # A tamperer who rewrites both files, putting a pickle in the arrays, still cannot run code.
    marker = tmp_path / "pwned"
    payload = io.BytesIO()
    with zipfile.ZipFile(payload, "w") as archive:
        with np.load(folder / "model.npz", allow_pickle=False) as arrays:
            for name in [n for n in arrays.files if n != "tfidf.idf"]:
                one = io.BytesIO()
                np.save(one, arrays[name])
                archive.writestr(f"{name}.npy", one.getvalue())
        evil = io.BytesIO()
        np.save(evil, np.asarray([_Boom(str(marker))], dtype=object), allow_pickle=True)
        archive.writestr("tfidf.idf.npy", evil.getvalue())
    (target / "model.npz").write_bytes(payload.getvalue())
    meta = json.loads((target / "model.json").read_text(encoding="utf-8"))
    meta["arrays_sha256"] = hashlib.sha256(payload.getvalue()).hexdigest()
    (target / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    assert "unreadable arrays" in refusal() and not marker.exists()
    (target / "model.json").write_text('{"format": 1, "embedder"', encoding="utf-8")
    assert "model.json: unreadable" in refusal()
    shutil.rmtree(target)
    shutil.copytree(folder, target)
    stale = make_settings(copy.data_dir, small_knowledge(tmp_path / "knowledge", per_writer=39))
    with pytest.raises(store.ReaderNotReady, match="stale .the training data in .* changed"):
        load_reader(stale, embedder)
    with pytest.raises(
        store.ReaderNotReady, match="stale .it was trained with embedder 'e5-small', LICENSEBOT_EMBEDDER is 'st:other'"
    ):
        load_reader(make_settings(copy.data_dir, settings.knowledge_dir, embedder="st:other"), embedder)


class _Boom:
    """Unpickling this creates a file: proof that a pickle in the model would have run."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


@pytest.mark.slow  # three real `licensebot ingest` runs, each training: `make test-model`
def test_ingest_trains_when_the_reader_is_missing_or_stale_and_not_when_unchanged(tmp_path, vector_cache, embedder):
    knowledge = small_knowledge(tmp_path / "knowledge")
    data = _with_cache(vector_cache, tmp_path / "data", embedder)
    env = dict(
        os.environ,
        LICENSEBOT_DATA_DIR=str(data),
        LICENSEBOT_KNOWLEDGE_DIR=str(knowledge),
        LICENSEBOT_TRAIN_ON_INGEST="true",
    )

    def ingest() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "bot", "ingest", "-q", str(SMALLEST_ARTICLE)],
            env=env,
            capture_output=True,
            text=True,
            timeout=1200,
            check=True,
        )

    first = ingest()
    assert "training the learned reader: no learned reader" in first.stderr
    model = store.reader_dir(data) / "model.json"
    written = model.stat().st_mtime_ns
    assert training_needed(make_settings(data, knowledge)) is None
    again = ingest()
    assert "training" not in again.stderr and model.stat().st_mtime_ns == written
    with (knowledge / "training" / "founder.jsonl").open("a", encoding="utf-8") as out:
        out.write(
            json.dumps(
                {
                    "kind": "message",
                    "id": "founder-9999",
                    "writer": "founder",
                    "lang": "zh-Hans",
                    "text": "我们的小程序只卖自己的茶叶",
                    "clauses": [{"text": "只卖自己的茶叶", "feats": {"selfop": "present"}}],
                    "intents": ["verdict"],
                },
                ensure_ascii=False,
            )
            + "\n"
        )
    edited = ingest()
    assert "training the learned reader: the training data" in edited.stderr and model.stat().st_mtime_ns != written


@pytest.mark.slow  # trains on the whole corpus (~16,000 texts embedded): `make test-model`, not `make test`
def test_learned_refusal_and_features_reach_the_measured_held_out_figures(trained):
    _, folder = trained
    held = json.loads((folder / "model_card.json").read_text(encoding="utf-8"))["heldout"]
    measured = {
        "refusal macro F1": (held["refusal"]["macro_f1"], REFUSAL_MACRO_F1),
        "refusal accuracy": (held["refusal"]["accuracy"], REFUSAL_ACCURACY),
        "features micro F1": (held["features"]["micro_f1"], FEATURES_MICRO_F1),
        "features with state micro F1": (held["features"]["with_state_micro_f1"], FEATURES_WITH_STATE_MICRO_F1),
        "intent accuracy": (held["intent"]["accuracy"], INTENT_ACCURACY),
        "follow-up accuracy": (held["follow_up"]["accuracy"], FOLLOW_UP_ACCURACY),
    }
    below = {name: figures for name, figures in measured.items() if figures[0] < figures[1]}
    assert not below, f"below the floor (measured, floor): {below}; all: {measured}"
