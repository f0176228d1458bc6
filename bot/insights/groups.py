"""The questions that need a person's attention (not answered, refused, or rated 👎), grouped by
meaning so the operator sees "12 people asked how long the EDI licence takes" once, not 12 rows.

Greedy grouping on e5 similarity: each question joins the closest group whose centre is at least
SAME_MEANING close, else starts one. Measured with e5-small: rewordings of one question in one
language 0.94–0.96 ("EDI许可证办下来要多久" / "办EDI证需要多长时间" / "EDI审批周期是多久"), while
different questions on one licence reach 0.92–0.93 ("ICP证要多久能批下来" / "…需要什么材料"), so 0.94
keeps a group to one question asked in several ways.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from bot.state.question_log import LoggedAnswer

SAME_MEANING = 0.94
Embed = Callable[[list[str]], np.ndarray]  # questions -> L2-normalised rows


def needs_attention(e: LoggedAnswer) -> list[str]:
    why = []
    if e.unanswered:
        why.append("unanswered")
    if e.refused:
        why.append("refused")
    if e.rating == "down":
        why.append("rated_down")
    return why


@dataclass
class Group:
    question: str  # the most frequent wording
    count: int
    why: dict[str, int]
    examples: list[str]
    verdicts: dict[str, str]  # what the bot said to the most recent one
    ids: list[str] = field(default_factory=list)


def group_questions(
    entries: list[LoggedAnswer], embed: Embed, threshold: float = SAME_MEANING, examples: int = 5
) -> list[Group]:
    """Largest groups first; within a size, the most recent first."""
    flagged = [e for e in entries if needs_attention(e)]
    if not flagged:
        return []
    wordings = list(dict.fromkeys(e.question for e in flagged))  # the same words are embedded once
    position = {w: i for i, w in enumerate(wordings)}
    vectors = embed(wordings)
    centres = np.zeros((len(wordings), vectors.shape[1]), np.float32)  # at most one group per wording
    sums = np.zeros_like(centres)
    members: list[list[LoggedAnswer]] = []
    group_of: dict[str, int] = {}
    for e in flagged:  # oldest first
        if e.question not in group_of:
            v = vectors[position[e.question]]
            sims = centres[: len(members)] @ v
            best = int(np.argmax(sims)) if len(members) else -1
            if best < 0 or sims[best] < threshold:
                best = len(members)
                members.append([])
            sums[best] += v
            centres[best] = sums[best] / max(float(np.linalg.norm(sums[best])), 1e-9)
            group_of[e.question] = best
        members[group_of[e.question]].append(e)
    groups = []
    for rows in members:
        said = Counter(r.question for r in rows)
        why = Counter(w for r in rows for w in needs_attention(r))
        groups.append(
            (
                Group(
                    said.most_common(1)[0][0],
                    len(rows),
                    dict(why),
                    list(said)[:examples],
                    rows[-1].verdicts,
                    [r.id for r in rows],
                ),
                rows[-1].at,
            )
        )
    return [g for g, _ in sorted(groups, key=lambda pair: (-pair[0].count, -pair[1]))]
