"""The servers refuse to start, with the reason and a failing exit status, when their
configuration is wrong or an address they need is taken (here: the running stack's own ports),
instead of running half started."""
import os
import subprocess
from urllib.parse import urlparse

import pytest

from conftest import BASE_URL, CONFIG

BIN = os.environ.get("MESSAGING_BIN", ".build/debug")


def stack_setting(key):
    for line in open(CONFIG):
        if line.split("=", 1)[0].strip() == key:
            return line.split("=", 1)[1].strip()
    raise KeyError(key)


def start(executable, tmp_path, **overrides):
    """Runs the executable on the stack's configuration with `overrides` (MESSAGING_* variables);
    it must exit by itself. Its own daemon id and hook folder keep it from touching the stack's."""
    env = {**os.environ, "MESSAGING_PUSH_DAEMON_ID": "refused-" + tmp_path.name, "MESSAGING_HOOKS_DIR": str(tmp_path),
           **{"MESSAGING_" + key.upper(): value for key, value in overrides.items()}}
    try:
        return subprocess.run([os.path.join(BIN, executable), "--config", CONFIG], env=env, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{executable} started although it should have refused ({overrides})")


def test_the_pool_refuses_a_bad_configuration(tmp_path):
    out = start("fcgi-app", tmp_path, fcgi_workers="none")
    assert out.returncode == 2
    assert "fcgi-app: configuration key 'fcgi_workers': 'none' is not a number" in out.stderr


def test_the_pool_refuses_a_listen_address_in_use(tmp_path):
    nginx = urlparse(BASE_URL)
    out = start("fcgi-app", tmp_path, fcgi_listen=f"tcp:{nginx.hostname}:{nginx.port}", metrics_listen="off")
    assert out.returncode == 1
    assert f"fcgi-app: bind({nginx.hostname}:{nginx.port}): Address already in use" in out.stderr


def test_the_pool_refuses_a_metrics_address_in_use(tmp_path):
    out = start("fcgi-app", tmp_path, fcgi_listen=f"unix:{tmp_path}/fcgi.sock", metrics_listen=stack_setting("metrics_listen"))
    assert out.returncode == 1
    assert "fcgi-app: configuration key 'metrics_listen': bind(" in out.stderr and "Address already in use" in out.stderr


def test_the_daemon_refuses_a_bad_configuration(tmp_path):
    out = start("push-daemon", tmp_path, push_listen="8090")
    assert out.returncode == 1
    assert "push-daemon: configuration key 'push_listen': expected host:port" in out.stderr


def test_the_daemon_refuses_a_metrics_address_in_use(tmp_path):
    out = start("push-daemon", tmp_path, push_metrics_listen=stack_setting("push_metrics_listen"))
    assert out.returncode == 1
    assert 'msg="cannot serve metrics"' in out.stderr + out.stdout and "Address already in use" in out.stderr + out.stdout


def test_the_daemon_refuses_a_stream_address_in_use(tmp_path):
    out = start("push-daemon", tmp_path, push_metrics_listen="off")
    assert out.returncode == 1
    assert 'msg="cannot listen"' in out.stderr + out.stdout and "listen=" + stack_setting("push_listen") in out.stderr + out.stdout
