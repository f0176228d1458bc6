"""The eval report as Markdown: metrics per suite against thresholds, per tag and per intent, and
every failing case with why (listed known failures marked as such)."""

from __future__ import annotations


def _fmt(v) -> str:
    return "n/a" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


def _groups(title: str, groups: dict) -> list[str]:
    lines = [
        "",
        f"| {title} | cases | pass rate | verdict accuracy | fact recall | intent accuracy |",
        "| --- " * 6 + "|",
    ]
    for name, m in groups.items():
        lines.append(
            f"| {name} | {m['cases']} | {_fmt(m.get('pass_rate'))} | {_fmt(m.get('verdict_accuracy'))} | "
            f"{_fmt(m.get('fact_recall'))} | {_fmt(m.get('intent_accuracy'))} |"
        )
    return lines


def render_markdown(report: dict) -> str:
    names = list(report["suites"])
    lines = [
        f"# licensebot eval — {report['cases']} cases, embedder {report['embedder']}",
        "",
        "| metric | all | " + " | ".join(f"{n} (threshold)" for n in names) + " |",
        "| --- " * (len(names) + 2) + "|",
    ]
    for k, v in report["metrics"].items():
        cells = [
            f"{_fmt(report['suites'][n]['metrics'].get(k))} ({_fmt(report['suites'][n]['thresholds'].get(k, '-'))})"
            for n in names
        ]
        lines.append(f"| {k} | {_fmt(v)} | " + " | ".join(cells) + " |")
    lines += _groups("intent", report.get("by_intent", {})) + _groups("tag", report["by_tag"])
    failed = [r for r in report["results"] if not r["passed"]]
    lines += [
        "",
        f"## Failed cases ({len(failed)}; {sum(r.get('known', False) for r in failed)} on eval/known_failures.yaml)",
        "",
    ]
    lines += [
        f"- {r['suite']}/{r['id']}{' (known)' if r.get('known') else ''}: {r['question']} — {'; '.join(r['reasons'])}"
        for r in failed
    ]
    lines += ["", "Result: " + ("FAIL — " + "; ".join(report["failures"]) if report["failures"] else "PASS")]
    return "\n".join(lines)
