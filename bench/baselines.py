"""The same eval cases through four systems, side by side:
(a) BM25 only and (b) dense only, each showing its top-4 licensebot evidence units as the answer;
(c) the LangChain tutorial pipeline: RecursiveCharacterTextSplitter(500, 50) on the raw files,
    Chroma, top-4, with the same offline e5-small embedder (no LLM: its four chunks are the answer);
(d) licensebot.
Retrieval baselines have no verdicts; what they show a user is judged for the facts it contains,
whether the expected article is among the shown sources, and how much of it is page junk."""

from __future__ import annotations

import re
import time
import uuid

import chromadb
import yaml
from langchain_text_splitters import RecursiveCharacterTextSplitter

from bench.common import percentile
from bot.answering.knowledge import Knowledge
from bot.service import Bot
from eval.runner import ask_case
from eval.scoring import score_case
from eval.suite import Case
from bot.core.text import fold
from ingest.read import decode_article, find_articles

TOP = 4
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


class JunkDetector:
    def __init__(self, knowledge_dir):
        words = yaml.safe_load((knowledge_dir / "cleaning.yaml").read_text(encoding="utf-8"))["spam_words"]
        self.words = [fold(w) for w in words]

    def __call__(self, text: str) -> bool:
        folded = fold(text)
        return bool(HTML_TAG.search(text)) or "\ufffd" in text or any(w in folded for w in self.words)


def tutorial_index(articles_dir, embedder):
    """The tutorial's pipeline as written: split raw files, embed, store, take the top 4."""
    splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)
    texts, sources = [], []
    for found in find_articles([articles_dir], articles_dir.parent.parent):
        path = found.path
        text, _, _ = decode_article(path.read_bytes(), path.name)  # TextLoader would fail on the GB18030 page
        for piece in splitter.split_text(text):
            texts.append(piece)
            sources.append(f"knowledge/articles/{path.name}")
    client = chromadb.EphemeralClient(chromadb.Settings(anonymized_telemetry=False))
    collection = client.create_collection(f"tutorial-{uuid.uuid4().hex[:8]}", metadata={"hnsw:space": "cosine"})
    collection.add(
        ids=[str(i) for i in range(len(texts))],
        embeddings=embedder.embed_passages(texts).tolist(),
        documents=texts,
        metadatas=[{"source": s} for s in sources],
    )
    return collection


def _shown_scores(case: Case, shown: list[tuple[str, str]], junk: JunkDetector) -> dict:
    """Scores of a retrieval-only answer: the (source, text) pieces it shows."""
    haystack = fold(" ".join(t for _, t in shown))
    out = {
        "fact_recall": None,
        "source_hit": None,
        "recall_at_5": None,
        "mrr": None,
        "junk_rate": sum(junk(t) for _, t in shown) / len(shown) if shown else 0.0,
        "shown_chars": sum(len(t) for _, t in shown),
    }
    if case.facts:
        out["fact_recall"] = sum(any(fold(a) in haystack for a in alts) for alts in case.facts) / len(case.facts)
    if case.sources:
        ranks = [i for i, (src, _) in enumerate(shown) if any(s.lower() in src.lower() for s in case.sources)]
        out["source_hit"] = float(bool(ranks))
        out["mrr"] = 1.0 / (ranks[0] + 1) if ranks else 0.0
    return out


def _mean(rows: list[dict], key: str):
    values = [r[key] for r in rows if r.get(key) is not None]
    return sum(values) / len(values) if values else None


def compare(cases: list[Case], bot: Bot, knowledge: Knowledge) -> list[list]:
    junk = JunkDetector(knowledge.settings.knowledge_dir)
    docs = knowledge.index.docs
    tutorial = tutorial_index(knowledge.settings.articles_dir, knowledge.embedder)
    in_scope = [c for c in cases if not c.refuse]

    def retrieval_only(mode: str, case: Case) -> list[tuple[str, str]]:
        retriever, units = knowledge.retriever, knowledge.index.units
        positions = (
            retriever.lexical(case.question, TOP)
            if mode == "lexical"
            else retriever.dense(knowledge.question_vector(fold(case.question)), TOP)
        )
        return [(docs[units[p].doc_id].source, units[p].text) for p in positions]

    def tutorial_only(case: Case) -> list[tuple[str, str]]:
        got = tutorial.query(
            query_embeddings=[knowledge.embedder.embed_query(case.question).tolist()],
            n_results=TOP,
            include=["documents", "metadatas"],
        )
        return [(m["source"], d) for m, d in zip(got["metadatas"][0], got["documents"][0])]

    systems = {
        "(a) BM25 only": lambda c: retrieval_only("lexical", c),
        "(b) dense only (e5-small)": lambda c: retrieval_only("dense", c),
        "(c) LangChain tutorial 500/50 + Chroma top-4": tutorial_only,
    }
    rows = []
    for name, run in systems.items():
        scored, latencies = [], []
        for case in in_scope:
            started = time.perf_counter()
            shown = run(case)
            latencies.append((time.perf_counter() - started) * 1000)
            scored.append(_shown_scores(case, shown, junk))
        rows.append(
            [
                name,
                None,
                _mean(scored, "fact_recall"),
                _mean(scored, "source_hit"),
                _mean(scored, "mrr"),
                None,
                0.0,
                _mean(scored, "junk_rate"),
                round(_mean(scored, "shown_chars") or 0),
                percentile(latencies, 50),
                percentile(latencies, 95),
            ]
        )
    results, latencies, shown_chars, junk_rates = [], [], [], []
    for case in cases:
        answer = ask_case(bot, case)
        retrieved = bot.sources_for(case.question, k=10)
        results.append(score_case(case, answer, retrieved))
        latencies.append(answer.latency_ms)
        if not case.refuse:
            shown_chars.append(len(answer.answer) + sum(len(c.quote) for c in answer.citations))
            junk_rates.append(
                sum(junk(c.quote) for c in answer.citations) / len(answer.citations) if answer.citations else 0.0
            )
    scores = [r.scores for r in results if not r.case.refuse]
    should_refuse = [r for r in results if r.case.refuse]
    rows.append(
        [
            "(d) licensebot",
            _mean(scores, "verdict_accuracy"),
            _mean(scores, "fact_recall"),
            _mean(scores, "citation_source_hit"),
            _mean(scores, "mrr"),
            _mean(scores, "quote_verbatim_rate"),
            sum(r.verdict == "out_of_scope" for r in should_refuse) / max(len(should_refuse), 1),
            sum(junk_rates) / len(junk_rates),
            round(sum(shown_chars) / len(shown_chars)),
            percentile(latencies, 50),
            percentile(latencies, 95),
        ]
    )
    return rows


HEADERS = [
    "system",
    "verdict acc.",
    "fact recall",
    "source hit@4 / cited",
    "MRR",
    "quote verbatim",
    "refusal recall",
    "junk shown",
    "chars shown",
    "p50 ms",
    "p95 ms",
]
