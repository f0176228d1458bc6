"""The eval report as Markdown: metrics per suite against thresholds, per tag, failed cases with why."""
from __future__ import annotations


def _fmt(v) -> str:
    return "n/a" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


def render_markdown(report: dict) -> str:
    names = list(report["suites"])
    lines = [f"# licensebot eval — {report['cases']} cases, embedder {report['embedder']}", "",
             "| metric | all | " + " | ".join(f"{n} (threshold)" for n in names) + " |", "| --- " * (len(names) + 2) + "|"]
    for k, v in report["metrics"].items():
        cells = [f"{_fmt(report['suites'][n]['metrics'].get(k))} ({_fmt(report['suites'][n]['thresholds'].get(k, '-'))})" for n in names]
        lines.append(f"| {k} | {_fmt(v)} | " + " | ".join(cells) + " |")
    lines += ["", "| tag | cases | pass rate | verdict accuracy | fact recall |", "| --- | --- | --- | --- | --- |"]
    for t, m in report["by_tag"].items():
        lines.append(f"| {t} | {m['cases']} | {_fmt(m['pass_rate'])} | {_fmt(m['verdict_accuracy'])} | {_fmt(m['fact_recall'])} |")
    failed = [r for r in report["results"] if not r["passed"]]
    lines += ["", f"## Failed cases ({len(failed)})", ""]
    lines += [f"- {r['id']}: {r['question']} — {'; '.join(r['reasons'])}" for r in failed]
    lines += ["", "Result: " + ("FAIL — " + "; ".join(report["failures"]) if report["failures"] else "PASS")]
    return "\n".join(lines)
