"""Helpers for the push daemon's integration tests (no tests here): a synchronous WebSocket
client (PyPI `websockets`), extra push daemons started on their own loopback ports, and access
to the stack's PostgreSQL (psql, pg_ctl restart)."""
import json
import os
import shutil
import socket
import subprocess
import time

import pytest
from websockets.sync.client import connect as ws_connect

from conftest import ADMIN, CONFIG, STACK_DIR, WS_URL

BIN_DIR = os.environ.get("MESSAGING_BIN") or os.path.dirname(os.path.abspath(ADMIN))
PUSH_DAEMON = os.path.join(BIN_DIR, "push-daemon")


class PushClient:
    """One WebSocket connection. `frames` keeps every frame received, in order."""

    def __init__(self, user=None, since=None, url=WS_URL, token=None, via_query=False, headers=None, expect_connected=True):
        query = []
        token = token if token is not None else (user.token if user else None)
        hdrs = dict(headers or {})
        if token is not None:
            if via_query:
                query.append(f"token={token}")
            else:
                hdrs["Authorization"] = f"Bearer {token}"
        if since is not None:
            query.append(f"since={since}")
        full = url + ("?" + "&".join(query) if query else "")
        self.ws = ws_connect(full, additional_headers=hdrs, open_timeout=10, close_timeout=2, max_size=2**24)
        self.ws.__enter__()
        self.user = user
        self.frames = []
        self.connected = None
        if expect_connected:
            self.connected = self.recv(timeout=10)
            assert self.connected["type"] == "connected", self.connected

    def recv(self, timeout=5.0):
        frame = json.loads(self.ws.recv(timeout=timeout))
        self.frames.append(frame)
        return frame

    def send(self, obj):
        self.ws.send(obj if isinstance(obj, (str, bytes)) else json.dumps(obj))

    def wait_for(self, predicate, timeout=5.0):
        """The first frame (already received or arriving within `timeout`) matching `predicate`."""
        for frame in self.frames:
            if predicate(frame):
                return frame
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                frame = self.recv(timeout=max(0.01, deadline - time.time()))
            except TimeoutError:
                break
            if predicate(frame):
                return frame
        raise AssertionError(f"no matching frame within {timeout}s; got {self.frames[-10:]}")

    def drain(self, duration=0.5):
        """Receives whatever arrives within `duration`; returns the frames received now."""
        got = []
        deadline = time.time() + duration
        while time.time() < deadline:
            try:
                got.append(self.recv(timeout=max(0.01, deadline - time.time())))
            except TimeoutError:
                break
        return got

    def events(self, kind=None):
        """Event frames (those with a cursor) received so far, optionally of one kind."""
        return [f for f in self.frames if "cursor" in f and f["type"] not in ("connected", "resync_required")
                and (kind is None or f["type"] == kind)]

    def messages(self, conversation_id=None):
        return [f["message"] for f in self.events("new_message")
                if conversation_id is None or f["conversationId"] == conversation_id]

    def wait_messages(self, count, conversation_id=None, timeout=10.0):
        deadline = time.time() + timeout
        while len(self.messages(conversation_id)) < count and time.time() < deadline:
            try:
                self.recv(timeout=max(0.01, deadline - time.time()))
            except TimeoutError:
                break
        return self.messages(conversation_id)

    @property
    def last_cursor(self):
        events = self.events()
        return events[-1]["cursor"] if events else self.connected["cursor"]

    def close(self):
        try:
            self.ws.__exit__(None, None, None)
        except Exception:
            pass


@pytest.fixture
def clients():
    """Opens PushClients and closes them after the test: `clients(user, **kw)`."""
    opened = []

    def open_client(*args, **kwargs):
        client = PushClient(*args, **kwargs)
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        client.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ExtraDaemon:
    """A push daemon of our own on a loopback port, on the stack's database (clients connect to it
    directly, not through nginx)."""

    def __init__(self, name, env=None, port=None, prefix=None):
        self.prefix = prefix or []  # e.g. setpriv, to run it as another user
        self.port = port or free_port()
        self.name = name
        self.config = os.path.join(STACK_DIR, f"push-{name}.conf")
        self.log = os.path.join(STACK_DIR, "log", f"push-{name}-{self.port}.log")
        open(self.log, "w").close()
        lines = [l for l in open(CONFIG) if not l.startswith(("push_listen", "push_metrics_listen"))]
        lines.append(f"push_listen = 127.0.0.1:{self.port}\n")
        # The stack's daemon serves metrics on the configured port; extra daemons serve none.
        lines.append("push_metrics_listen = off\n")
        with open(self.config, "w") as f:
            f.writelines(lines)
        self.env = dict(os.environ, MESSAGING_PUSH_DAEMON_ID=f"test-{name}-{self.port}", **(env or {}))
        self.env.pop("MESSAGING_CONFIG", None)
        self.process = None
        self.start()

    @property
    def url(self):
        return f"ws://127.0.0.1:{self.port}/ws/notifications"

    def start(self):
        self.process = subprocess.Popen(self.prefix + [PUSH_DAEMON, "--config", self.config], env=self.env,
                                        stdout=open(self.log, "a"), stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"push daemon {self.name} did not start; see {self.log}")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log_text(self):
        return open(self.log).read()


@pytest.fixture
def extra_daemons():
    started = []

    def start(name, env=None, prefix=None):
        daemon = ExtraDaemon(name, env, prefix=prefix)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.stop()


PG_BIN = sorted((d for d in (os.path.join("/usr/lib/postgresql", v, "bin") for v in os.listdir("/usr/lib/postgresql"))
                 if os.path.isdir(d)), key=lambda d: int(d.split("/")[-2]))[-1] if os.path.isdir("/usr/lib/postgresql") else ""


def database_url():
    for line in open(CONFIG):
        if line.startswith("database_url"):
            return line.split("=", 1)[1].strip()
    raise RuntimeError("no database_url")


def psql_command():
    return [os.path.join(PG_BIN, "psql"), database_url(), "-v", "ON_ERROR_STOP=1", "-qAtX"]


def psql(sql):
    out = subprocess.run(psql_command() + ["-c", sql], check=True, capture_output=True, text=True, timeout=30)
    return out.stdout.strip()


def as_postgres(args):
    if os.getuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + args
    return args


def pg_data_dir():
    return open(os.path.join(STACK_DIR, "pg.location")).read().strip() + "/data"


def pg_ctl(*args):
    subprocess.run(as_postgres([os.path.join(PG_BIN, "pg_ctl"), "-D", pg_data_dir(), *args]),
                   check=True, capture_output=True, timeout=90)
