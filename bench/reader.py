"""The answering code as it runs against the full learned reader, on the held-out writer of knowledge/training/.

Answering (`bot.answering.answer.answer`, with its shipped students and the rules they fall back on): a refusal is a glossary pattern
(its class) or an out-of-scope answer (counted as `unrelated`); the intent, the facts (a negated fact
is `negated`, any other `present`: the rules have no past/planned, so that is their best guess), the
follow-up flag after the first message's context, and `asks_for_person` from bot/answering/handoff.py.
Learned: `reader.read` / `reader.follow_up` with the models in the data dir. Run alone:
`python bench/reader.py` (uses the default data dir's index and reader, training it if needed).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent)]

from bot.answering.answer import answer  # noqa: E402
from bot.answering.handoff import asks_for_person  # noqa: E402
from bot.answering.knowledge import Knowledge  # noqa: E402
from bot.core.errors import BadQuestion  # noqa: E402
from bot.core.models import Context, Verdict  # noqa: E402
from bot.core.settings import Settings  # noqa: E402
from bot.kb.learned.card import Predicted, compare, truth_of  # noqa: E402
from bot.kb.learned.reader import Reader, load_reader, training_dir  # noqa: E402
from bot.kb.learned.store import ReaderNotReady  # noqa: E402
from bot.kb.training import Corpus, load_corpus, vocabulary  # noqa: E402
from bot.service import remembered  # noqa: E402

HEADERS = [
    "task",
    "answering accuracy",
    "answering macro-F1",
    "answering micro-F1",
    "learned accuracy",
    "learned macro-F1",
    "learned micro-F1",
]
TASKS = {
    "refusal": "refusal class (6)",
    "intent": "main intent",
    "features": "features (detection)",
    "features+state": "features with their state",
    "follow_up": "follow-up vs new",
    "person": "asks for a person",
}


def by_rules(text: str, knowledge: Knowledge) -> Predicted:
    screened = knowledge.reader.screen(text)
    try:
        result = answer(text, knowledge, Context())
    except BadQuestion:
        return Predicted("none", "other")
    refusal = (
        screened.refusal.kind if screened.refusal else "unrelated" if result.verdict == Verdict.out_of_scope else "none"
    )
    facts: dict[str, str] = {}
    for fact in result.facts:
        facts.setdefault(fact.feature, "negated" if fact.negated else "present")
    return Predicted(refusal, result.intent or "other", facts, asks_for_person(result, knowledge))


def follow_up_by_rules(first: str, second: str, knowledge: Knowledge) -> bool:
    try:
        earlier = answer(first, knowledge, Context())
        return bool(answer(second, knowledge, remembered(Context(), Context(), earlier)).follow_up)
    except BadQuestion:
        return False


def _cells(figures: dict, name: str) -> list[str]:
    if name == "features+state":
        f = figures["features"]
        return [f"{f['with_state_exact']:.3f}", "", f"{f['with_state_micro_f1']:.3f}"]
    f = figures[name]
    return [f"{f['accuracy']:.3f}", f"{f['macro_f1']:.3f}", f"{f['micro_f1']:.3f}"]


def _row(name: str, rules: dict, learned: dict) -> list:
    return [TASKS[name], *_cells(rules, name), *_cells(learned, name)]


def held_out(settings: Settings) -> Corpus:
    corpus = load_corpus(training_dir(settings), vocabulary(settings.knowledge_dir))
    corpus.messages = [m for m in corpus.messages if m.writer in corpus.heldout]
    corpus.pairs = [p for p in corpus.pairs if p.writer in corpus.heldout]
    return corpus


def measure(knowledge: Knowledge, reader: Reader, corpus: Corpus) -> dict:
    """Both readers on every held-out message and pair; the learned reader's time per message."""
    labels = {
        "refusal": reader.models["refusal"].labels,
        "intent": reader.models["intent"].labels,
        "features": reader.models["features"].labels,
    }
    truth = [truth_of(m) for m in corpus.messages]
    rules = [by_rules(m.text, knowledge) for m in corpus.messages]
    learned, times = [], []
    for m in corpus.messages:
        started = time.perf_counter()
        reading = reader.read(m.text)
        times.append((time.perf_counter() - started) * 1000)
        learned.append(Predicted(reading.refusal, reading.intent, reading.features, reading.asks_for_person))
    pair_truth = [p.follow_up for p in corpus.pairs]
    pair_rules = [follow_up_by_rules(p.first, p.second, knowledge) for p in corpus.pairs]
    pair_learned = [reader.follow_up(p.first, p.second).follow_up for p in corpus.pairs]
    ordered = sorted(times)
    return {
        "messages": len(truth),
        "pairs": len(pair_truth),
        "rules": compare(truth, rules, pair_truth, pair_rules, labels),
        "learned": compare(truth, learned, pair_truth, pair_learned, labels),
        "read_ms_p50": round(statistics.median(times), 1),
        "read_ms_p95": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
    }


def load_time(settings: Settings, embedder) -> float:
    started = time.perf_counter()
    load_reader(settings, embedder)
    return round(time.perf_counter() - started, 3)


def report(figures: dict) -> list[str]:
    from bench.common import table

    rows = [_row(name, figures["rules"], figures["learned"]) for name in TASKS]
    return [
        f"## Understanding: answering as it runs vs the full learned reader (held-out writer: {figures['messages']} messages, "
        f"{figures['pairs']} pairs)",
        "",
        table(HEADERS, rows),
        "",
        f"Learned reader: load {figures['load_s']} s (models only, numpy); `read` p50 {figures['read_ms_p50']} ms, "
        f"p95 {figures['read_ms_p95']} ms per message (e5 of the message and its pieces included). Features: accuracy is "
        "the exact set per message; with state, accuracy is the exact feature:state set.",
        "",
    ]


def reader_for(settings: Settings, embedder) -> Reader:
    """The data dir's reader, trained first when missing or stale (vectors cached there)."""
    try:
        return load_reader(settings, embedder)
    except ReaderNotReady as exc:
        print(f"[bench] {exc}: training it", file=sys.stderr)
        from bot.kb.learned.train import train

        train(settings, embedder, log=lambda m: print(f"[bench] {m}", file=sys.stderr))
        return load_reader(settings, embedder)


def run(knowledge: Knowledge, settings: Settings) -> dict:
    reader = reader_for(settings, knowledge.embedder)
    figures = measure(knowledge, reader, held_out(settings))
    figures["load_s"] = load_time(settings, knowledge.embedder)
    return figures


def main() -> int:
    settings = Settings()
    knowledge = Knowledge.load(settings)
    print("\n".join(report(run(knowledge, settings))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
