"""Issue 17's targets, each with this run's figure and whether it was met: the last table that
`make bench` prints. A target whose workload did not run says so."""


def _verdict(ok):
    return "met" if ok else "NOT met"


def _missing(name):
    return {"figure": "—", "note": f"not measured ({name} did not run)"}


def rows(results):
    out = []

    def add(target, figure, ok=None, note=""):
        verdict = note if ok is None else _verdict(ok) + (f" — {note}" if note else "")
        out.append((target, figure, verdict))

    w1, ceiling = results.get("W1"), results.get("W1-ceiling")
    if w1 and ceiling:
        ratio = w1["messages_per_s"] / ceiling["sends_per_s"]
        add("1. W1 ≥ 0.80 of the same-SQL pgbench ceiling (default pool shape)",
            f"{ratio:.2f} ({w1['messages_per_s']:.0f} msg/s ÷ {ceiling['sends_per_s']:.0f} tx/s)", ratio >= 0.80)
    else:
        add("1. W1 ≥ 0.80 of the same-SQL pgbench ceiling", **_missing("W1"))

    w2, floor = results.get("W2"), results.get("W2 floor")
    if w2:
        floor_text = ""
        if floor:
            floor_text = (f"; floor: durable send {floor['send']['p50_ms']:.2f} / {floor['send']['p99_ms']:.2f} ms + loopback "
                          f"WebSocket {floor['delivery']['p50_ms']:.2f} / {floor['delivery']['p99_ms']:.2f} ms")
        add("2. W2 p50 ≤ 1.5 ms and p99 ≤ 3 ms", f"{w2['p50_ms']:.2f} / {w2['p99_ms']:.2f} ms{floor_text}",
            w2["p50_ms"] <= 1.5 and w2["p99_ms"] <= 3)
    else:
        add("2. W2 p50 ≤ 1.5 ms and p99 ≤ 3 ms", **_missing("W2"))

    if "W7" in results:
        p1, p2, p3 = results["W7 W1"], results["W7 W2"], results["W7 W3-200"]
        missing = p2["missing"] + p3["missing"]
        add("3. W7: W2 p99 ≤ 5, W3-200 p99 ≤ 15, W1 p99 ≤ 20 ms, nothing missing",
            f"W2 {p2['p99_ms']:.2f}, W3-200 {p3['p99_ms']:.2f}, W1 {p1['p99_ms']:.2f} ms; {missing} missing; "
            f"machine CPU {results['W7']['machine_cpu_fraction'] * 100:.0f} %",
            p2["p99_ms"] <= 5 and p3["p99_ms"] <= 15 and p1["p99_ms"] <= 20 and missing == 0)
    else:
        add("3. W7 mixed workload", **_missing("W7"))

    fresh, busy = results.get("W3-1000"), results.get("W3-1000 busy")
    if fresh and busy:
        ratio = busy["p99_ms"] / fresh["p99_ms"]
        add("4. W3-1000, recipients in 500 conversations each, p99 ≤ 1.2 × fresh",
            f"{ratio:.2f} ({busy['p99_ms']:.2f} ÷ {fresh['p99_ms']:.2f} ms)", ratio <= 1.2)
    else:
        add("4. W3-1000 busy ÷ fresh recipients ≤ 1.2", **_missing("W3-1000 with busy recipients"))

    if fresh and "us_per_delivery" in fresh:
        daemon = fresh["us_per_delivery"].get("push-daemon", float("nan"))
        add("5. Daemon CPU per delivery in W3-1000 ≤ 8 µs", f"{daemon:.1f} µs", daemon <= 8)
    else:
        add("5. Daemon CPU per delivery in W3-1000 ≤ 8 µs", **_missing("W3-1000"))

    w4b = results.get("W4b")
    if w4b:
        add("6. W4b: 100,000 idle connections, < 5 KB each, W2 p99 ≤ 5 ms while held, restart without loss",
            w4b.get("summary", ""), w4b.get("met"))
    else:
        add("6. W4b: 100,000 idle connections", **_missing("W4b"))

    w6 = results.get("W6")
    if w6:
        worst = max(w6.items(), key=lambda item: item[1]["p99_ms"])
        add("7. Search p99 ≤ 50 ms for every W6 class (1,000,000 messages)",
            f"worst: {worst[0]} {worst[1]['p99_ms']:.1f} ms", all(r["p99_ms"] <= 50 for r in w6.values()))
    else:
        add("7. Search p99 ≤ 50 ms", **_missing("W6"))
    return out


def table(results):
    lines = ["| issue 17 target | this run | verdict |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows(results)]
    return "\n".join(lines)
