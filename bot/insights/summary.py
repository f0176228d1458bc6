"""Daily figures from the question log, as plain rows the page charts and `licensebot stats` prints."""

from __future__ import annotations

import csv
import io
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

from bot.state.question_log import LoggedAnswer


def day_of(at: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(at))


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return round(ordered[int(rank) - 1], 1)


@dataclass
class DayRow:
    day: str
    questions: int
    by_channel: dict[str, int]
    unanswered: int
    refused: int
    unanswered_share: float
    p50_ms: float
    p95_ms: float


@dataclass
class Summary:
    questions: int = 0
    unanswered: int = 0
    refused: int = 0
    rated_down: int = 0
    handed_off: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    verdicts: dict[str, int] = field(default_factory=dict)
    intents: dict[str, int] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)
    days: list[DayRow] = field(default_factory=list)

    @property
    def unanswered_share(self) -> float:
        return round(self.unanswered / self.questions, 3) if self.questions else 0.0


def summarise(entries: list[LoggedAnswer]) -> Summary:
    per_day: dict[str, list[LoggedAnswer]] = defaultdict(list)
    for e in entries:
        per_day[day_of(e.at)].append(e)
    days = []
    for day in sorted(per_day):
        rows = per_day[day]
        unanswered = sum(e.unanswered for e in rows)
        days.append(
            DayRow(
                day,
                len(rows),
                dict(Counter(e.channel for e in rows)),
                unanswered,
                sum(e.refused for e in rows),
                round(unanswered / len(rows), 3),
                percentile([e.latency_ms for e in rows], 50),
                percentile([e.latency_ms for e in rows], 95),
            )
        )
    latencies = [e.latency_ms for e in entries]
    return Summary(
        len(entries),
        sum(e.unanswered for e in entries),
        sum(e.refused for e in entries),
        sum(e.rating == "down" for e in entries),
        sum(e.handed_off for e in entries),
        percentile(latencies, 50),
        percentile(latencies, 95),
        dict(Counter(e.verdict for e in entries)),
        dict(Counter(e.intent or "-" for e in entries)),
        dict(Counter(e.channel for e in entries)),
        days,
    )


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A customer's "=HYPERLINK(…)" must reach the operator's spreadsheet as text, not as a formula."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


COLUMNS = [
    "time",
    "channel",
    "user",
    "question",
    "verdict",
    "verdicts",
    "intent",
    "mode",
    "unanswered",
    "refused",
    "handed_off",
    "rating",
    "latency_ms",
    "quotes",
    "language",
    "id",
]


def to_csv(entries: list[LoggedAnswer]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS)
    writer.writeheader()
    for e in entries:
        row = asdict(e)
        row["time"] = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(e.at))
        row["verdicts"] = ";".join(f"{k}={v}" for k, v in e.verdicts.items())
        row["quotes"] = ";".join(e.quotes)
        writer.writerow({c: spreadsheet_safe(row.get(c, "")) for c in COLUMNS})
    return out.getvalue()
