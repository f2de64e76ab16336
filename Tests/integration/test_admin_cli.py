"""messaging-admin as operators and product staff run it: trying hook scripts before saving them
(`hooks check`, `hooks run`, `hooks bench`), checking a configuration file, and its refusals."""
import json
import os
import shutil
import subprocess
import uuid

from conftest import ADMIN, CONFIG, ROOT

LUA = os.path.join(ROOT, "lua")


def run(*args, config=False):
    command = [ADMIN, *args] + (["--config", CONFIG] if config else [])
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_hooks_check_passes_the_shipped_scripts():
    out = run("hooks", "check", "--dir", LUA)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("ok: ") and "hook runs, no problems" in out.stdout


def test_hooks_check_names_each_problem_with_file_and_line(tmp_path):
    folder = tmp_path / "lua"
    shutil.copytree(LUA, folder)
    source = (folder / "notifications.lua").read_text()
    (folder / "notifications.lua").write_text(source.replace("decision.sound = \"message\"", "decision.sound = nothing.here"))
    (folder / "lib" / "broken.lua").write_text("return {")
    out = run("hooks", "check", "--dir", str(folder))
    assert out.returncode == 1
    assert "notifications.lua:" in out.stdout and "lib/broken.lua:" in out.stdout
    assert "problem(s) in" in out.stdout
    assert run("hooks", "check", "--dir", str(tmp_path / "missing")).returncode != 0


def test_hooks_run_prints_the_scripts_decision():
    out = run("hooks", "run", "new_message", "--dir", LUA, "--recipient", "2", "--unread", "3,12")
    assert out.returncode == 0, out.stderr
    decision = json.loads(out.stdout)
    assert decision["badge"] == {"total": 12, "conversation": 3} and decision["sound"] == "message"
    focused = json.loads(run("hooks", "run", "new_message", "--dir", LUA, "--recipient-focused", "7").stdout)
    muted = json.loads(run("hooks", "run", "new_message", "--dir", LUA, "--muted").stdout)
    assert muted["toast"] is None and muted["sound"] is None
    assert isinstance(focused["scroll"], bool)
    group = json.loads(run("hooks", "run", "group", "--dir", LUA).stdout)
    assert [f["field"] for f in group["required"]] == ["name", "participantIds"]
    assert json.loads(run("hooks", "run", "group_creation", "--dir", LUA).stdout) is None
    for event in ("reaction_added", "message_read"):
        assert "badge" in json.loads(run("hooks", "run", event, "--dir", LUA).stdout)


def test_hooks_run_refuses_bad_input(tmp_path):
    assert "unknown flow or event" in run("hooks", "run", "broadcast", "--dir", LUA).stderr
    assert "--unread expects two numbers" in run("hooks", "run", "new_message", "--dir", LUA, "--unread", "x").stderr
    bad = tmp_path / "event.json"
    bad.write_text("{not json")
    assert "not valid JSON" in run("hooks", "run", "new_message", "--dir", LUA, "--input", str(bad)).stderr
    assert "cannot read" in run("hooks", "run", "new_message", "--dir", LUA, "--input", str(tmp_path / "none.json")).stderr


def test_hooks_bench_times_both_the_bounded_and_the_unbounded_library():
    for extra in ([], ["--unbounded"]):
        out = run("hooks", "bench", "new_message", "--dir", LUA, "--calls", "200", *extra)
        assert out.returncode == 0, out.stderr
        assert " calls, " in out.stdout and "µs per call" in out.stdout
    assert "unknown event" in run("hooks", "bench", "typing", "--dir", LUA).stderr


def test_config_check_and_reference(tmp_path):
    assert run("config", "--check", CONFIG).returncode == 0
    bad = tmp_path / "bad.conf"
    bad.write_text("jwt_secret = " + "s" * 40 + "\nfcgi_workers = many\n")
    out = run("config", "--check", str(bad))
    assert out.returncode != 0 and "fcgi_workers" in (out.stdout + out.stderr)
    reference = run("config", "--markdown").stdout
    assert reference == open(os.path.join(ROOT, "docs/configuration.md"), encoding="utf-8").read()
    assert "staff_user_ids" in run("config").stdout


def test_mistyped_flags_are_refused_by_every_binary():
    for binary in ("fcgi-app", "push-daemon", "messaging-admin"):
        path = os.path.join(os.path.dirname(ADMIN), binary)
        out = subprocess.run([path, "--confg", CONFIG], capture_output=True, text=True, timeout=30)
        assert out.returncode != 0 and "Unknown option '--confg'" in out.stderr, (binary, out.stderr)


def refusal(*args, env=None, config=True):
    """stderr of a messaging-admin run that must fail."""
    out = subprocess.run([ADMIN, *args] + (["--config", CONFIG] if config else []), capture_output=True, text=True, timeout=60,
                         env={**os.environ, **(env or {})})
    assert out.returncode != 0, (args, out.stdout)
    return out.stderr


def test_refusals_say_what_to_fix(tmp_path):
    missing = str(tmp_path / "none.conf")
    assert f"cannot read file {missing}" in refusal("user", "add", "--username", "x", "--config", missing, config=False)
    away = tmp_path / "away.conf"
    away.write_text("".join(line for line in open(CONFIG) if not line.startswith("database_url"))
                    + "database_url = host=/nonexistent/socket-folder port=1 dbname=none\n")
    assert "cannot connect to the database (database_url)" in refusal("user", "add", "--username", "x", "--config", str(away), config=False)
    assert "--id must be a positive integer" in refusal("user", "add", "--username", "x", "--id", "0")
    assert "username must be 1-64 of A-Z a-z 0-9 _ . -" in refusal("user", "add", "--username", "no spaces please")
    assert "unknown role 'wizard'" in refusal("user", "upsert", "--sub", "wizard-sub", "--role", "wizard")
    assert "username must be 1 to 256 characters" in refusal("user", "upsert", "--sub", "wizard-sub", "--username", "   ")
    assert "no user has sub nobody-" in refusal("user", "show", "--sub", "nobody-" + uuid.uuid4().hex)
    # A server that signs no tokens of its own (the platform's JWKS does) cannot print one.
    assert "jwt_secret" in refusal("token", "--user", "1", env={"MESSAGING_JWT_SECRET": ""})


def test_service_token_and_rate_limit_refusals():
    name = "cli-" + uuid.uuid4().hex[:8]
    assert "unknown scope 'users:delete'" in refusal("service-token", "create", "--name", name, "--scope", "users:delete")
    subprocess.run([ADMIN, "service-token", "create", "--name", name, "--config", CONFIG], check=True, capture_output=True, timeout=60)
    assert f"a service token named '{name}' exists" in refusal("service-token", "create", "--name", name)
    assert "the name must be 1 to 64 characters" in refusal("service-token", "create", "--name", "n" * 65)
    subprocess.run([ADMIN, "service-token", "revoke", "--name", name, "--config", CONFIG], check=True, capture_output=True, timeout=60)
    assert f"no live service token named '{name}'" in refusal("service-token", "revoke", "--name", name)
    assert "unknown action 'shout'" in refusal("rate-limit", "set", "--user", "1", "--action", "shout", "--limit", "1/s:1")
    assert "--limit must be count/unit:burst" in refusal("rate-limit", "set", "--user", "1", "--action", "send", "--limit", "lots")
