"""The soak's report: test-artifacts/soak/report.html and summary.md (the seed, the faults and
when, each promise with its figure, throughput and p95 of teachers' actions, notices per channel,
the charts of latency and backlog over the term as SVG from the product's charts service), and
figures.json for README's table. The run's own directory keeps a copy of each beside its logs."""

import html
import json
import shutil

from sqlalchemy import func, select

from models import Delivery, InboxItem
from services import charts

BUCKET = 10.0  # seconds per point of the charts


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0


def figures(soak, results) -> dict:
    teachers = [r for r in soak.people.responses if r.who == "teacher"]
    done = [r for r in teachers if 200 <= r.status < 300]
    term = soak.profile.term_seconds + soak.profile.drain_seconds
    return {
        "profile": soak.profile.name, "db": soak.db, "seed": soak.seed,
        "teachers": len(soak.county.teachers), "clusters": len(soak.county.clusters),
        "promises_held": sum(r.ok for r in results), "promises": len(results),
        "requests": len(soak.people.responses), "teacher_actions": len(done),
        "teacher_actions_per_s": round(len(done) / term, 2),
        "teacher_p95_ms": round(1000 * p95([r.latency for r in teachers])),
        "teacher_p50_ms": round(1000 * sorted(r.latency for r in teachers)[len(teachers) // 2]) if teachers else 0,
        "faults": [{"kind": f.kind, "at": round(f.started or 0, 1), "note": f.note,
                    "seconds": round((f.ended or 0) - (f.started or 0), 1)} for f in soak.schedule.faults],
        "results": [{"name": r.name, "ok": r.ok, "figure": r.figure, "detail": r.detail} for r in results],
    }


async def notices_per_channel(soak) -> dict[str, dict[str, int]]:
    async with soak.stack.sessions() as session:
        rows = (await session.execute(select(Delivery.channel, Delivery.status, func.count())
                                      .group_by(Delivery.channel, Delivery.status))).all()
        inbox = await session.scalar(select(func.count()).select_from(InboxItem))
    table: dict[str, dict[str, int]] = {"inbox": {"sent": inbox}}
    for channel, status, count in rows:
        table.setdefault(str(channel), {})[str(status)] = count
    return table


def chart_svgs(soak) -> dict[str, charts.Chart]:
    end = soak.now()
    buckets = [i * BUCKET for i in range(int(end // BUCKET) + 1)]
    labels = [f"{int(b)}s" if i % 6 == 0 else "" for i, b in enumerate(buckets)]
    by_bucket: dict[int, list[float]] = {}
    for r in soak.people.responses:
        if r.who == "teacher":
            by_bucket.setdefault(int(r.at // BUCKET), []).append(r.latency * 1000)
    latency = [round(p95(by_bucket[i]), 1) if i in by_bucket else None for i in range(len(buckets))]
    backlog: dict[int, int] = {}
    for sample in soak.samples:
        backlog[int(sample.at // BUCKET)] = max(backlog.get(int(sample.at // BUCKET), 0), sample.pending_deliveries)
    pending = [backlog.get(i) for i in range(len(buckets))]
    return {
        "latency": charts.lines("教师操作 p95 延迟（毫秒，每 10 秒） teachers' p95 latency, ms", labels, {"p95": latency}),
        "backlog": charts.lines("待发送的通知（条） deliveries pending", labels, {"pending": pending}),
    }


async def write(soak, results) -> None:
    data = figures(soak, results)
    data["notices"] = await notices_per_channel(soak)
    made = chart_svgs(soak)
    soak.out.mkdir(parents=True, exist_ok=True)
    for name, chart in made.items():
        (soak.work / f"{name}.svg").write_text(chart.svg)
    (soak.work / "figures.json").write_text(json.dumps(data, ensure_ascii=False, indent=2))
    (soak.work / "summary.md").write_text(markdown(data))
    (soak.work / "report.html").write_text(page(data, made, soak.lines))
    for name in ("summary.md", "report.html", "figures.json", "latency.svg", "backlog.svg"):
        shutil.copy(soak.work / name, soak.out / name)


def markdown(data: dict) -> str:
    lines = [f"# Soak {data['profile']} · {data['db']} · seed {data['seed']}", "",
             f"{data['teachers']} teachers in {data['clusters']} clusters; {data['requests']} requests; "
             f"teachers' actions {data['teacher_actions']} ({data['teacher_actions_per_s']}/s), "
             f"p95 {data['teacher_p95_ms']} ms (p50 {data['teacher_p50_ms']} ms); "
             f"**{data['promises_held']} of {data['promises']} promises held**.", "",
             "| fault | at (s) | lasted (s) | note |", "|---|---|---|---|"]
    lines += [f"| {f['kind']} | {f['at']} | {f['seconds']} | {f['note']} |" for f in data["faults"]]
    lines += ["", "| promise | held | figure |", "|---|---|---|"]
    lines += [f"| {r['name']} | {'yes' if r['ok'] else '**NO** ' + r['detail']} | {r['figure']} |"
              for r in data["results"]]
    lines += ["", "| channel | " + " | ".join(sorted({s for c in data["notices"].values() for s in c})) + " |"]
    statuses = sorted({s for c in data["notices"].values() for s in c})
    lines += ["|---" * (len(statuses) + 1) + "|"]
    lines += [f"| {channel} | " + " | ".join(str(counts.get(s, 0)) for s in statuses) + " |"
              for channel, counts in sorted(data["notices"].items())]
    return "\n".join(lines) + "\n"


def page(data: dict, made: dict[str, charts.Chart], log: list[str]) -> str:
    e = html.escape
    rows = "".join(f"<tr class={'ok' if r['ok'] else 'fail'}><td>{e(r['name'])}</td>"
                   f"<td>{'✓' if r['ok'] else '✗ ' + e(r['detail'])}</td><td>{e(r['figure'])}</td></tr>"
                   for r in data["results"])
    fault_rows = "".join(f"<tr><td>{e(f['kind'])}</td><td>{f['at']}</td><td>{f['seconds']}</td>"
                         f"<td>{e(f['note'])}</td></tr>" for f in data["faults"])
    images = "".join(f'<figure><img src="{c.data_uri}" alt="{e(c.alt)}"></figure>' for c in made.values())
    return f"""<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<title>Soak {e(data['profile'])} seed {data['seed']}</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:auto}}td,th{{border-bottom:1px solid #ccc;padding:.2em .5em}}
.fail td{{background:#fdd}}</style>
<h1>Soak {e(data['profile'])} · {e(data['db'])} · seed {data['seed']}</h1>
<p>{data['teachers']} teachers, {data['clusters']} clusters; {data['requests']} requests; teachers' actions
{data['teacher_actions']} ({data['teacher_actions_per_s']}/s), p95 {data['teacher_p95_ms']} ms;
<strong>{data['promises_held']} of {data['promises']} promises held</strong>.</p>
<h2>Promises</h2><table><tr><th>promise</th><th>held</th><th>figure</th></tr>{rows}</table>
<h2>Faults</h2><table><tr><th>fault</th><th>at (s)</th><th>lasted (s)</th><th>note</th></tr>{fault_rows}</table>
<h2>Notices per channel</h2><pre>{e(json.dumps(data['notices'], ensure_ascii=False))}</pre>
<h2>Over the term</h2>{images}
<h2>Log</h2><pre>{e(chr(10).join(log))}</pre></html>
"""
