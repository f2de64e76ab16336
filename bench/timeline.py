"""The W2 stage timeline (issue 17): where a message's time between send and screen goes.

The pool and the push daemon append `<stage> <message id> <CLOCK_MONOTONIC ns>` lines to
files in MESSAGING_STAGE_TIMELINE while the file `on` exists there (Sources/MessagingCore/
StageTimeline.swift); the bench's sender and receivers timestamp with the same clock. For each
message the stages follow one another:

  sent (client) → accepted (pool thread has the request) → committed → notified (a NOTIFY
  returned) → woke (the daemon read a NOTIFY) → read (event read from the log) → inputs (hook
  inputs read) → queued (handed to the event loops) → decided (a loop's hook ran for its first
  recipients, frames rendered) → written (a session's loop wrote it) → received (client)

`notified` and `woke` carry no message id (one NOTIFY covers the commits before it): a message's
is the first one at or after its previous stage. `written` and `received` happen once per
receiver: the message's median of each is used, so the stages of a message add up to its median
delivery latency.
"""
import bisect
import contextlib
import glob
import os
import statistics
import time

STAGES = [  # (label, from, to)
    ("nginx + FastCGI, request in", "sent", "accepted"),
    ("pool: checks, transaction, commit", "accepted", "committed"),
    ("NOTIFY after the commit", "committed", "notified"),
    ("daemon wakes on the NOTIFY", "notified", "woke"),
    ("event read from the log", "woke", "read"),
    ("hook inputs (unread counts, mute)", "read", "inputs"),
    ("handed to the event loops", "inputs", "queued"),
    ("hook + frames rendered, on the loop", "queued", "decided"),
    ("event loop writes the frame", "decided", "written"),
    ("nginx + client, frame out", "written", "received"),
]


@contextlib.contextmanager
def recording(directory):
    """Processes record marks while this is open (they look for `on` every 50 ms)."""
    os.makedirs(directory, exist_ok=True)
    switch = os.path.join(directory, "on")
    open(switch, "w").close()
    time.sleep(0.15)
    try:
        yield
    finally:
        time.sleep(0.2)  # the last message's daemon marks
        os.unlink(switch)
        time.sleep(0.15)  # the writer threads' last flush


def offsets(directory):
    """Where each timeline file ends now: a later read takes only what was added since."""
    return {path: os.path.getsize(path) for path in glob.glob(os.path.join(directory, "*.tsv"))}


def read_marks(directory, since):
    marks, shared = {}, {"notified": [], "woke": []}
    for path in glob.glob(os.path.join(directory, "*.tsv")):
        with open(path) as f:
            f.seek(since.get(path, 0))
            for line in f:
                parts = line.split()
                if len(parts) != 3:
                    continue
                stage, message, t = parts[0], int(parts[1]), int(parts[2])
                if message == 0:
                    shared.setdefault(stage, []).append(t)
                else:
                    marks.setdefault(message, {}).setdefault(stage, []).append(t)
    for times in shared.values():
        times.sort()
    return marks, shared


def _first_at_or_after(sorted_times, t):
    i = bisect.bisect_left(sorted_times, t)
    return sorted_times[i] if i < len(sorted_times) else None


def _last_between(sorted_times, low, high):
    i = bisect.bisect_right(sorted_times, high)
    return sorted_times[i - 1] if i > 0 and sorted_times[i - 1] >= low else None


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[k]


def stages(directory, since, started, per_connection):
    """Per stage: median and p99 over the messages (ms), and how many messages had every mark."""
    marks, shared = read_marks(directory, since)
    received = {}
    for frames in per_connection:
        for message_id, t in frames:
            received.setdefault(message_id, []).append(t)
    durations = {label: [] for label, _, _ in STAGES}
    complete = 0
    for message_id, sent in started.items():
        m = marks.get(message_id, {})
        t = {"sent": sent}
        for name in ("accepted", "committed"):
            if name in m:
                t[name] = min(m[name])
        for name in ("read", "inputs", "queued", "decided"):
            if name in m:
                t[name] = min(m[name])
        if "accepted" in t and "committed" in t and "read" in t:
            t["notified"] = _first_at_or_after(shared.get("notified", []), t["committed"])
            # The wake-up that led to the read: the last one before it since the request came in.
            # (A NOTIFY sent from the send's own transaction reaches the daemon at the commit,
            # before the pool's thread marks `committed`.) None: the daemon read on a poll of its own.
            t["woke"] = _last_between(shared.get("woke", []), t["accepted"], t["read"])
            if t["woke"] is None:
                t["woke"] = t["read"]
            if t["notified"] is None or t["notified"] > t["woke"]:
                t["notified"] = t["woke"]
            if t["committed"] > t["notified"]:
                t["committed"] = t["notified"]
        if "written" in m:
            t["written"] = statistics.median(m["written"])
        if message_id in received:
            t["received"] = statistics.median(received[message_id])
        if any(t.get(name) is None for _, a, b in STAGES for name in (a, b)):
            continue
        complete += 1
        for label, a, b in STAGES:
            durations[label].append((t[b] - t[a]) / 1e6)
    rows = [(label, percentile(durations[label], 50), percentile(durations[label], 99)) for label, _, _ in STAGES]
    return {"rows": rows, "messages": complete, "of": len(started)}
