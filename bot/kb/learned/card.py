"""Figures of a reader on labelled messages, and the model card written beside the models.

The same figures are computed for the learned reader (here, at training) and for today's hand rules
(bench/reader.py), from per-message predictions in one shape (`Predicted`), so the two can be read
side by side: per task accuracy and macro-F1, per label precision/recall/F1, the worst confusions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TYPE_CHECKING

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

if TYPE_CHECKING:
    from bot.kb.learned.reader import Reader
    from bot.kb.learned.train import TaskData
    from bot.kb.training import Message, Pair


@dataclass
class Predicted:
    """What a reader (learned or hand rules) says of one message."""

    refusal: str
    intent: str
    features: dict[str, str] = field(default_factory=dict)  # feature -> present/negated/past/planned
    asks_for_person: bool = False


def truth_of(message: "Message") -> Predicted:
    """The labels of a corpus message in the shape of a prediction (a feature's state from the first
    clause that names it)."""
    features: dict[str, str] = {}
    for clause in message.clauses:
        for feature, state in clause.features.items():
            features.setdefault(feature, state.value)
    return Predicted(message.refusal.value, message.intents[0], features, message.asks_for_person)


def scores(task: str, labels: list[str], truth: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    """Per-label precision/recall/F1 of 0/1 matrices; `score` is the task's headline figure: macro-F1
    for one-of-n tasks, micro-F1 for the multi-label features, F1 of the positive label otherwise."""
    if len(labels) == 1:  # one yes/no label: scikit-learn would read a single column as two classes
        p, r, f, support = precision_recall_fscore_support(
            truth[:, 0], pred[:, 0], average=None, zero_division=0, labels=[1]
        )
    else:
        p, r, f, support = precision_recall_fscore_support(
            truth, pred, average=None, zero_division=0, labels=list(range(len(labels)))
        )
    seen = (support > 0) | (pred.sum(0) > 0)
    macro = float(f[seen].mean()) if seen.any() else 0.0
    tp, fp, fn = float((truth & pred).sum()), float(((1 - truth) & pred).sum()), float((truth & (1 - pred)).sum())
    micro = 2 * tp / max(2 * tp + fp + fn, 1.0)
    exact = float((truth == pred).all(1).mean()) if len(truth) else 0.0
    headline = micro if len(labels) > 1 and task == "features" else macro if len(labels) > 1 else float(f[0])
    return {
        "score": headline,
        "accuracy": exact,
        "macro_f1": macro,
        "micro_f1": micro,
        "per_label": {
            label: {
                "precision": round(float(p[i]), 3),
                "recall": round(float(r[i]), 3),
                "f1": round(float(f[i]), 3),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
            if support[i] or pred[:, i].any()
        },
    }


def _onehot(values: list[str], labels: list[str]) -> np.ndarray:
    out = np.zeros((len(values), len(labels)), np.int8)
    for i, v in enumerate(values):
        if v in labels:
            out[i, labels.index(v)] = 1
    return out


def _multihot(sets: list[set[str]], labels: list[str]) -> np.ndarray:
    return np.asarray([[int(label in s) for label in labels] for s in sets], np.int8).reshape(len(sets), len(labels))


def _confusions(truth: list[str], pred: list[str], top: int = 6) -> list[dict[str, Any]]:
    pairs = Counter((t, p) for t, p in zip(truth, pred) if t != p)
    return [
        {"truth": t, "predicted": p, "count": n}
        for (t, p), n in sorted(pairs.items(), key=lambda x: (-x[1], x[0]))[:top]
    ]


def compare(
    truth: list[Predicted],
    pred: list[Predicted],
    pair_truth: list[bool],
    pair_pred: list[bool],
    labels: dict[str, list[str]],
) -> dict[str, Any]:
    """Every task's figures over messages (and pairs): `labels` names each task's label set."""
    out: dict[str, dict[str, Any]] = {}
    for task, attr in (("refusal", "refusal"), ("intent", "intent")):
        t, p = [getattr(x, attr) for x in truth], [getattr(x, attr) for x in pred]
        out[task] = scores(task, labels[task], _onehot(t, labels[task]), _onehot(p, labels[task]))
        out[task]["accuracy"] = float(np.mean([a == b for a, b in zip(t, p)])) if t else 0.0
        out[task]["confusions"] = _confusions(t, p)
    features = labels["features"]
    out["features"] = scores(
        "features",
        features,
        _multihot([set(x.features) for x in truth], features),
        _multihot([set(x.features) for x in pred], features),
    )
    pairs = sorted({f"{f}:{s}" for x in truth + pred for f, s in x.features.items()})
    with_state = scores(
        "features",
        pairs,
        _multihot([{f"{f}:{s}" for f, s in x.features.items()} for x in truth], pairs),
        _multihot([{f"{f}:{s}" for f, s in x.features.items()} for x in pred], pairs),
    )
    out["features"]["with_state_micro_f1"] = with_state["micro_f1"]
    out["features"]["with_state_exact"] = with_state["accuracy"]
    found = [(x.features[f], y.features[f]) for x, y in zip(truth, pred) for f in x.features if f in y.features]
    out["features"]["state_accuracy"] = float(np.mean([a == b for a, b in found])) if found else 0.0
    out["features"]["state_confusions"] = _confusions([a for a, _ in found], [b for _, b in found])
    missed = Counter(f for x, y in zip(truth, pred) for f in set(x.features) - set(y.features))
    extra = Counter(f for x, y in zip(truth, pred) for f in set(y.features) - set(x.features))
    out["features"]["confusions"] = [{"truth": f, "predicted": "-", "count": n} for f, n in missed.most_common(3)] + [
        {"truth": "-", "predicted": f, "count": n} for f, n in extra.most_common(3)
    ]
    out["person"] = scores(
        "person",
        ["asks_for_person"],
        _multihot([{"asks_for_person"} if x.asks_for_person else set() for x in truth], ["asks_for_person"]),
        _multihot([{"asks_for_person"} if x.asks_for_person else set() for x in pred], ["asks_for_person"]),
    )
    out["follow_up"] = scores(
        "follow_up",
        ["follow_up"],
        _multihot([{"follow_up"} if b else set() for b in pair_truth], ["follow_up"]),
        _multihot([{"follow_up"} if b else set() for b in pair_pred], ["follow_up"]),
    )
    return out


def predicted_by(reader: "Reader", text: str) -> Predicted:
    reading = reader.read(text)
    return Predicted(reading.refusal, reading.intent, reading.features, reading.asks_for_person)


def evaluate_messages(reader: "Reader", messages: list["Message"], pairs: list["Pair"]) -> dict[str, Any]:
    """The held-out writer read by the run-time reader, message by message (features from its own cut
    of each message into pieces, not from the writers' clauses)."""
    labels = {name: model.labels for name, model in reader.models.items()}
    return compare(
        [truth_of(m) for m in messages],
        [predicted_by(reader, m.text) for m in messages],
        [p.follow_up for p in pairs],
        [reader.follow_up(p.first, p.second).follow_up for p in pairs],
        labels,
    )


def card_json(
    meta: dict[str, Any],
    tasks: dict[str, "TaskData"],
    heldout: frozenset[str],
    comparison: dict[str, Any],
    figures: dict[str, Any],
) -> dict[str, Any]:
    sizes = {}
    for name, data in tasks.items():
        train = [w not in heldout for w in data.writers]
        targets = np.asarray(data.targets, np.int8)[np.asarray(train)]
        sizes[name] = {
            "rows": int(sum(train)),
            "per_label": {label: int(targets[:, i].sum()) for i, label in enumerate(data.labels)},
            "per_language": dict(sorted(Counter(l for l, k in zip(data.langs, train) if k).items())),
        }
    return {
        "embedder": meta["embedder"],
        "corpus_sha256": meta["corpus_sha256"],
        "heldout_writer": sorted(heldout),
        "methods": {
            name: {
                "chosen": meta["tasks"][name]["method"],
                "threshold": meta["tasks"][name]["threshold"],
                "k": meta["tasks"][name].get("k"),
                "heldout_score_by_method": comparison[name],
            }
            for name in tasks
        },
        "heldout": figures,
        "training_size": sizes,
    }


def _label_table(per_label: dict[str, Any]) -> list[str]:
    lines = ["| label | precision | recall | F1 | support |", "| --- | --- | --- | --- | --- |"]
    return lines + [
        f"| {k} | {v['precision']:.2f} | {v['recall']:.2f} | {v['f1']:.2f} | {v['support']} |"
        for k, v in sorted(per_label.items(), key=lambda kv: (-kv[1]["support"], kv[0]))
    ]


def card_markdown(card: dict[str, Any]) -> str:
    held = card["heldout"]
    lines = [
        "# Learned reader: model card",
        "",
        f"Trained on `knowledge/training/` (sha256 {card['corpus_sha256'][:12]}…) with embedder `{card['embedder']}`; "
        f"figures on the held-out writer `{', '.join(card['heldout_writer'])}` (never trained on). Inputs: e5 query vector "
        "of the folded text beside TF-IDF of its character 1–3-grams. Thresholds and k chosen leave-one-writer-out on "
        "the training writers; logistic regression and kNN compared on the held-out writer, the better kept.",
        "",
        "## Method per task",
        "",
        "| task | kept | threshold | held-out score: logistic | kNN |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, m in card["methods"].items():
        by = m["heldout_score_by_method"]
        lines.append(
            f"| {name} | {m['chosen']}{' k=' + str(m['k']) if m['k'] else ''} | {m['threshold']} | "
            f"{by['logistic']['heldout_score']:.3f} | {by['knn']['heldout_score']:.3f} (k={by['knn']['k']}) |"
        )
    lines += [
        "",
        "## Held-out writer, message by message (the run-time reader)",
        "",
        "| task | accuracy | macro-F1 | micro-F1 |",
        "| --- | --- | --- | --- |",
    ]
    for name, f in held.items():
        lines.append(f"| {name} | {f['accuracy']:.3f} | {f['macro_f1']:.3f} | {f['micro_f1']:.3f} |")
    feats = held["features"]
    lines += [
        "",
        f"Features with their state: micro-F1 {feats['with_state_micro_f1']:.3f}; state right on "
        f"{feats['state_accuracy']:.1%} of the features found.",
        "",
    ]
    for name in held:
        lines += [f"### {name}", ""] + _label_table(held[name]["per_label"]) + [""]
        confusions = held[name].get("confusions", []) + held[name].get("state_confusions", [])
        if confusions:
            lines += [
                "Worst confusions (truth → predicted): "
                + "; ".join(f"{c['truth']} → {c['predicted']} ×{c['count']}" for c in confusions),
                "",
            ]
    lines += ["## Training size", ""]
    for name, s in card["training_size"].items():
        lines += [
            f"- **{name}** ({s['rows']} rows): "
            + ", ".join(f"{k} {v}" for k, v in s["per_label"].items())
            + "; by language: "
            + ", ".join(f"{k} {v}" for k, v in s["per_language"].items())
        ]
    return "\n".join(lines) + "\n"
