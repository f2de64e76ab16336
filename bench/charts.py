"""The charts `make bench` writes into docs/bench/ (issue 17), from the same run's results:
W1 throughput over time, the delivery latency distributions (CDF, log axis), W2's stage timeline
as a stacked bar, and W4b's memory against connections (drawn by bench/w4b.py when it ran).
Returns the Markdown that BENCHMARKS.md shows them with."""
import os

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402


def _save(figure, out_dir, name):
    path = os.path.join(out_dir, name)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return name


def w1_throughput(results, out_dir):
    w1 = results.get("W1")
    if not w1 or not w1.get("over_time"):
        return None
    figure, axes = plt.subplots(figsize=(7, 3.2))
    xs = [t for t, _ in w1["over_time"]]
    ys = [rate for _, rate in w1["over_time"]]
    axes.plot(xs, ys, marker="o", markersize=3, label="W1 stored sends/s (pool counter, per second)")
    ceiling = results.get("W1-ceiling")
    if ceiling:
        axes.axhline(ceiling["sends_per_s"], color="grey", linestyle="--", label="pgbench ceiling, same SQL")
    axes.set_xlabel("seconds into W1")
    axes.set_ylabel("messages / s")
    axes.set_ylim(bottom=0)
    axes.legend(loc="lower right", fontsize=8)
    axes.set_title(f"W1: {w1['messages_per_s']:.0f} msg/s, {results['W1'].get('senders', 16)} senders through nginx")
    return _save(figure, out_dir, "w1_throughput.png")


def latency_cdf(results, out_dir):
    shown = [name for name in results if name == "W2" or name.startswith(("W3-", "W7 ", "W4b W2"))]
    series = [(name, results[name]["samples_ms"]) for name in shown if results[name].get("samples_ms")]
    if not series:
        return None
    figure, axes = plt.subplots(figsize=(7, 3.8))
    for name, samples in series:
        n = len(samples)
        axes.plot(samples, [(i + 1) / n for i in range(n)], label=f"{name} ({n} deliveries)")
    axes.set_xscale("log")
    axes.set_xlabel("send start → frame at the receiver (ms, log)")
    axes.set_ylabel("fraction of deliveries")
    axes.axhline(0.99, color="grey", linewidth=0.6, linestyle=":")
    axes.axhline(0.5, color="grey", linewidth=0.6, linestyle=":")
    axes.legend(fontsize=7)
    axes.set_title("Delivery latency (CDF)")
    return _save(figure, out_dir, "delivery_latency_cdf.png")


def w2_stages(results, out_dir):
    stages = (results.get("W2") or {}).get("stages")
    if not stages or not stages["messages"]:
        return None
    figure, axes = plt.subplots(figsize=(8, 3.4))
    left = 0.0
    colours = plt.get_cmap("tab20").colors
    for i, (label, p50, _) in enumerate(stages["rows"]):
        width = max(p50, 0.0)
        axes.barh(["W2 median"], [width], left=left, color=colours[i % len(colours)], label=f"{label} {p50:.2f} ms")
        left += width
    floor = results.get("W2 floor")
    if floor:
        axes.barh(["floor"], [floor["send"]["p50_ms"]], color="#888888", label=f"floor: durable send {floor['send']['p50_ms']:.2f} ms")
        axes.barh(["floor"], [floor["delivery"]["p50_ms"]], left=floor["send"]["p50_ms"], color="#bbbbbb",
                  label=f"floor: loopback WebSocket {floor['delivery']['p50_ms']:.2f} ms")
    axes.set_xlabel("ms (medians over the messages)")
    axes.legend(fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=3)
    axes.set_title("W2: where a message's time goes, send to screen")
    return _save(figure, out_dir, "w2_stages.png")


def write_all(results, out_dir, extra_charts=()):
    """Draws every chart the results allow; returns Markdown image lines (paths relative to the
    repository root, where BENCHMARKS.md lives). `extra_charts`: (file name, title) drawn elsewhere."""
    os.makedirs(out_dir, exist_ok=True)
    drawn = [(w1_throughput(results, out_dir), "W1 throughput over time"),
             (latency_cdf(results, out_dir), "Delivery latency distributions"),
             (w2_stages(results, out_dir), "W2 stage timeline"), *extra_charts]
    relative = os.path.relpath(out_dir, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return "\n\n".join(f"![{title}]({relative}/{name})" for name, title in drawn if name)
