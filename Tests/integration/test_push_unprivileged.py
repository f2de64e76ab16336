"""The daemon runs as an unprivileged user in production (deploy/messaging-push.service): every
socket option it sets must be allowed without root. (TCP_NODELAY once went to the SOL_SOCKET
level, where its number means SO_DEBUG, and every connection failed without CAP_NET_ADMIN.)"""
import os
import shutil
import subprocess

import pytest

from conftest import direct, send
from test_push_support import PUSH_DAEMON, PushClient, extra_daemons  # noqa: F401  (fixture)

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--no-new-privs"]


def test_daemon_delivers_when_running_without_privileges(alice, bob, extra_daemons):
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root to start the daemon as nobody")
    if subprocess.run(NOBODY + ["test", "-x", PUSH_DAEMON]).returncode != 0:
        pytest.skip("the build folder is not reachable by an unprivileged user here")
    daemon = extra_daemons("unprivileged", prefix=NOBODY)
    client = PushClient(alice, url=daemon.url)
    try:
        conversation = direct(alice, bob)
        message = send(bob, conversation, "sin privilegios")
        frame = client.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == message["id"], timeout=10)
        assert frame["message"]["content"] == "sin privilegios"
    finally:
        client.close()
