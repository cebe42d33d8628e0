"""Turn the JSON results in bench/out/ into the Markdown tables of bench/RESULTS.md.

    python -m bench.report          # re-render RESULTS.md from the last results

Serving results are ``bench/out/serve-<label>.json``, scale results
``bench/out/scale.json``; each carries the machine and versions it ran with.
"""

from __future__ import annotations

import sys

from . import index_report
from .common import BENCH, OUT, load_json

RESULTS = BENCH / "RESULTS.md"
NAMES = {"feedsvc": "feedsvc", "nginx": "nginx", "django": "Django"}
TARGET_NGINX, TARGET_DJANGO, TARGET_HUGO, TARGET_RSS_MB, TARGET_100K_S = 0.30, 20.0, 0.5, 300, 60
LINEAR_SLACK = 1.5  # a ×10 larger corpus may cost up to ×15 and still count as linear


def _mb(kb: float) -> str:
    return f"{kb / 1024:.0f}"


def _num(value: float) -> str:
    return f"{value:,.0f}"


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**met**" if ok else "**missed**")


def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table (right-aligned numbers)."""
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(":--" if i == 0 else "--:" for i in range(len(header))) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def machine_section(meta: dict) -> str:
    m, v = meta["machine"], meta["versions"]
    versions = ", ".join(f"{name} {version}" for name, version in v.items())
    return (
        f"- Date: {meta['date']}\n"
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']:.1f} GB RAM, {m['os']}, Linux {m['kernel']}"
        f" (load average {m['loadavg']} at start)\n"
        f"- Versions: {versions}\n"
        f"- feedsvc: {meta['feedsvc']}\n"
    )


def _best(serve: dict) -> dict:
    """(scenario, connections, server) -> best round."""
    return {(r["scenario"], r["connections"], r["server"]): r["best"] for r in serve["rows"]}


def serving_section(serve: dict) -> str:
    best = _best(serve)
    settings = serve["settings"]
    rows = []
    for scenario, title in {r["scenario"]: r["title"] for r in serve["rows"]}.items():
        for conns in settings["connections"]:
            row = [title, str(conns)]
            ours = best.get((scenario, conns, "feedsvc"))
            for server in ("feedsvc", "nginx", "django"):
                result = best.get((scenario, conns, server))
                row += [_num(result["rps"]), _ms(result["p50_ms"]), _ms(result["p99_ms"])] if result else ["—"] * 3
            for server in ("nginx", "django"):
                result = best.get((scenario, conns, server))
                row.append(f"{ours['rps'] / result['rps']:.2f}×" if result and ours else "—")
            rows.append(row)
    header = [
        "request",
        "conns",
        "feedsvc req/s",
        "p50 ms",
        "p99 ms",
        "nginx req/s",
        "p50 ms",
        "p99 ms",
        "Django req/s",
        "p50 ms",
        "p99 ms",
        "feedsvc ÷ nginx",
        "feedsvc ÷ Django",
    ]
    sizes = serve["sizes"]
    size_note = "; ".join(
        f"{NAMES[server]} " + ", ".join(f"{key} {value:,} B" for key, value in by_key.items() if key != "304")
        for server, by_key in sizes.items()
    )
    errors = sum(r["best"]["errors"] + r["best"]["bad_status"] for r in serve["rows"])
    foreign = max((r["best"].get("foreign_cpu", 0) for r in serve["rows"]), default=0)
    rss = serve.get("worker_peak_rss_kb", {})
    return (
        f"### {serve['label']}: {serve['entries']} entries ({serve['content_dir']})\n\n"
        f"{table(header, rows)}\n\n"
        f"- Response bodies: {size_note}.\n"
        f"- Peak RSS per worker after the run: feedsvc {', '.join(_mb(k) for k in rss.get('feedsvc', []))} MB; "
        f"Django {', '.join(_mb(k) for k in rss.get('django', []))} MB. "
        f"Start to first /feed.atom: feedsvc {serve['ready_s']['feedsvc']} s, Django {serve['ready_s']['django']} s.\n"
        f"- Socket errors and non-2xx/3xx answers in the kept rounds: {errors}; other processes on the machine used "
        f"at most {foreign:.0%} of the CPU during a kept round. Measured {serve['measured_at']}.\n"
    )


def scale_section(scale: dict) -> str:
    rows, previous = [], None
    for row in scale["rows"]:
        f, h = row["feedsvc"], row.get("hugo")
        peak = max(f["worker_peak_rss_kb"])
        growth = ""
        if previous:
            pf, pn = previous["feedsvc"], previous["articles"]
            growth = (
                f"×{row['articles'] / pn:.0f} articles: ×{f['ready_s'] / pf['ready_s']:.1f} time, "
                f"×{peak / max(pf['worker_peak_rss_kb']):.1f} memory"
            )
        rows.append(
            [
                f"{row['articles']:,}",
                f"{f['bind_s']:.1f}",
                f"{f['ready_s']:.1f}",
                f"{f['all_workers_s']:.1f}",
                f"{1000 * f['ready_s'] / row['articles']:.2f}",
                "/".join(f"{c:.1f}" for c in f.get("worker_cpu_s", [])) or "—",
                _mb(peak),
                f"{peak / 1024 / row['articles'] * 1000:.1f}",
                f"{h['seconds']:.1f}" if h else "—",
                _mb(h["peak_rss_kb"]) if h else "—",
                str(h["rss_files"]) if h else "—",
                f"{f['ready_s'] / h['seconds']:.2f}×" if h else "—",
                growth,
                f"{f.get('foreign_cpu', 0):.0%}",
            ]
        )
        previous = row
    header = [
        "articles",
        "bind s",
        "feed served s",
        "all workers s",
        "s per 1k articles",
        "CPU s per worker",
        "peak RSS/worker MB",
        "MB per 1k",
        "Hugo build s",
        "Hugo peak RSS MB",
        "Hugo RSS files",
        "feedsvc ÷ Hugo",
        "growth vs previous row",
        "others' CPU",
    ]
    text = table(header, rows)
    breakdown_rows = []
    for row in scale["rows"]:
        b = row.get("breakdown")
        if b and "plain" in b:
            shares = ", ".join(
                f"{name} {share:.0%}" for name, share in list(b["profile"]["share_by_package"].items())[:5]
            )
            breakdown_rows.append(
                [
                    f"{row['articles']:,}",
                    f"{b['plain']['seconds']:.1f}",
                    _mb(b["plain"]["peak_rss_kb"]),
                    shares,
                    "; ".join(b["profile"]["hottest_functions"][:3]),
                ]
            )
        elif b:
            breakdown_rows.append([f"{row['articles']:,}", "error", "", b.get("error", "")[:200], ""])
    if breakdown_rows:
        text += (
            "\n\nStart-up of one process alone (`python -m bench.breakdown DIR`: `create_app()` as each worker "
            "runs it, no contention), and where its time goes (cProfile self time by package):\n\n"
            + table(["articles", "seconds", "peak RSS MB", "time by package", "hottest functions"], breakdown_rows)
        )
    hugo_rows = [r for r in scale["rows"] if r.get("hugo")]
    if hugo_rows:
        h = hugo_rows[-1]["hugo"]
        text += (
            f"\n\nHugo writes {h['rss_files']} RSS files for {hugo_rows[-1]['articles']:,} articles "
            f"({', '.join(f'{k} {v}' for k, v in h['rss_files_by_kind'].items())}; "
            f"home feed {h['home_feed_items']} items) "
            f"and {h['html_files']:,} HTML files: `{h['command']}` (cold: public/ removed first)."
        )
    env = ", ".join(f"{k}={v}" for k, v in scale["rows"][0]["feedsvc"].get("env", {}).items())
    runs = [
        f"{r['label']}: feedsvc {', '.join(map(str, r['feedsvc'].get('runs', [])))} s"
        + (f", Hugo {', '.join(map(str, r['hugo'].get('runs', [])))} s" if r.get("hugo") else "")
        for r in scale["rows"]
    ]
    foreign = max(
        [r["feedsvc"].get("foreign_cpu", 0) for r in scale["rows"]]
        + [r["hugo"].get("foreign_cpu", 0) for r in scale["rows"] if r.get("hugo")]
    )
    text += (
        f"\n\nEach size is the median of its runs (feedsvc and Hugo alternating): {'; '.join(runs)}. "
        f"Other processes used at most {foreign:.0%} of the CPU during a kept run."
    )
    return (
        text + f"\n\nMeasured {scale['measured_at']}; command `{scale['rows'][0]['feedsvc']['command']}` with {env}.\n"
    )


def targets_section(serves: list[dict], scale: dict | None) -> str:
    """The issue's targets, each with the figure measured and whether it is met."""
    rows = []
    serve = next((s for s in serves if s["label"] == "10k"), serves[-1] if serves else None)
    if serve:
        best = _best(serve)
        peers = (("nginx", "nginx", TARGET_NGINX, ".2f"), ("django", "Django syndication", TARGET_DJANGO, ".1f"))
        for peer_name, label, target, fmt in peers:
            for scenario, name in (("plain", "plain GET"), ("gzip", "gzip GET"), ("304", "304")):
                ours, peer = best.get((scenario, 16, "feedsvc")), best.get((scenario, 16, peer_name))
                if ours and peer:
                    ratio = ours["rps"] / peer["rps"]
                    goal = f"{target:.2f}" if peer_name == "nginx" else f"{target:.0f}"
                    rows.append(
                        [
                            f"site feed {name}, 16 conns: ≥ {goal}× {label} ({serve['label']})",
                            f"{ratio:{fmt}}× ({_num(ours['rps'])} vs {_num(peer['rps'])} req/s)",
                            _verdict(ratio >= target),
                        ]
                    )
    by_label = {r["label"]: r for r in (scale or {}).get("rows", [])}
    row10 = by_label.get("10k")
    if row10:
        f, h = row10["feedsvc"], row10.get("hugo")
        if h:
            ratio = f["ready_s"] / h["seconds"]
            rows.append(
                [
                    f"10k: ready to serve ≤ {TARGET_HUGO}× Hugo's build",
                    f"{f['ready_s']:.1f} s vs {h['seconds']:.1f} s = {ratio:.2f}×",
                    _verdict(ratio <= TARGET_HUGO),
                ]
            )
        peak = max(f["worker_peak_rss_kb"]) / 1024
        measured = f"{peak:.0f} MB once serving"
        served = next((s for s in serves if s["label"] == "10k"), None)
        if served and served.get("worker_peak_rss_kb", {}).get("feedsvc"):
            after = max(served["worker_peak_rss_kb"]["feedsvc"]) / 1024
            measured += f"; {after:.0f} MB after the serving benchmark"
            peak = max(peak, after)
        rows.append([f"10k: ≤ {TARGET_RSS_MB} MB peak RSS per worker", measured, _verdict(peak <= TARGET_RSS_MB)])
    row100 = by_label.get("100k")
    if row100:
        f = row100["feedsvc"]
        rows.append(
            [
                f"100k: binds $PORT and serves within {TARGET_100K_S} s",
                f"bind {f['bind_s']:.0f} s, feed {f['ready_s']:.0f} s; "
                f"{max(f['worker_peak_rss_kb']) / 1024:.0f} MB per worker",
                _verdict(f["ready_s"] <= TARGET_100K_S),
            ]
        )
    elif scale:
        rows.append(
            [
                f"100k: binds $PORT and serves within {TARGET_100K_S} s",
                "not measured in this run (`make bench-scale`)",
                "n/a",
            ]
        )
    if scale and len(scale["rows"]) > 1:
        steps, ok = [], True
        for before, after in zip(scale["rows"], scale["rows"][1:], strict=False):
            size = after["articles"] / before["articles"]
            factors = {
                "time": after["feedsvc"]["ready_s"] / before["feedsvc"]["ready_s"],
                "memory": max(after["feedsvc"]["worker_peak_rss_kb"]) / max(before["feedsvc"]["worker_peak_rss_kb"]),
            }
            alone = [r.get("breakdown", {}).get("plain", {}).get("seconds") for r in (before, after)]
            if all(alone):
                factors["time alone"] = alone[1] / alone[0]
            ok = ok and all(f <= LINEAR_SLACK * size for f in factors.values())
            steps.append(
                f"{before['label']} → {after['label']} (×{size:.0f}): "
                + ", ".join(f"{k} ×{v:.1f}" for k, v in factors.items())
            )
        rows.append(
            [f"cost grows linearly (each ×10 step within ×{LINEAR_SLACK * 10:.0f})", "; ".join(steps), _verdict(ok)]
        )
    return table(["target", "measured", "result"], rows)


def render(meta: dict | None = None) -> str:
    """The whole RESULTS.md text from the JSON files in bench/out/."""
    serves = [s for s in (load_json(p) for p in sorted(OUT.glob("serve-*.json"))) if s]
    serves.sort(key=lambda s: (s["label"] != "bundled", s.get("entries") or 0))
    scale = load_json(OUT / "scale.json")
    if meta is None:  # the newest run's
        metas = [m for m in [*(s.get("meta") for s in serves), (scale or {}).get("meta")] if m]
        meta = max(metas, key=lambda m: m["date"]) if metas else None
    parts = [
        "# feedsvc benchmark results",
        "",
        "Written by `make bench` / `make bench-scale` (bench/run.py); see bench/README.md.",
        "",
    ]
    if meta:
        parts += [machine_section(meta)]
    parts += ["## Targets", "", targets_section(serves, scale), ""]
    if serves:
        s0 = serves[0]["settings"]
        parts += [
            "## Serving",
            "",
            f"wrk, {', '.join(map(str, s0['connections']))} keep-alive connections, 2 threads, "
            f"{s0['seconds']} s per run after a {s0['warmup']} s warm-up; "
            f"servers alternate (feedsvc, nginx, Django, feedsvc, …); kept: {s0['pick']}. "
            "feedsvc and Django run under the same Procfile command on 127.0.0.1 "
            f"(`{serves[0]['commands']['feedsvc']}`, "
            f"{', '.join(f'{k}={v}' for k, v in s0.get('env', {}).items())}"
            f"{'' if s0['access_log'] else '; no access log, as nginx has access_log off'}); nginx (2 workers) serves "
            "feedsvc's bytes as static files (gzip_static). Latencies are wrk's p50/p99.",
            "",
        ]
        for serve in serves:
            if serve.get("meta") and meta and serve["meta"]["date"] != meta["date"]:
                parts += [
                    f"(measured by an earlier run, {serve['meta']['date']}, feedsvc {serve['meta']['feedsvc']})",
                    "",
                ]
            parts += [serving_section(serve), ""]
    if scale:
        parts += ["## Scale: start to first feed, memory, and Hugo", ""]
        if scale.get("meta") and meta and scale["meta"]["date"] != meta["date"]:
            parts += [f"(measured by an earlier run, {scale['meta']['date']}, feedsvc {scale['meta']['feedsvc']})", ""]
        parts += [scale_section(scale), ""]
    return "\n".join(parts)


def write(meta: dict | None = None) -> str:
    measured = any(OUT.glob("serve-*.json")) or (OUT / "scale.json").exists()
    # Only the index was measured here: keep the other sections as they are.
    base = render(meta) if measured or not RESULTS.exists() else RESULTS.read_text().split(index_report.HEADING)[0]
    text = base.rstrip("\n") + "\n\n" + index_report.section()
    RESULTS.write_text(text)
    return text


if __name__ == "__main__":
    sys.stdout.write(write())
