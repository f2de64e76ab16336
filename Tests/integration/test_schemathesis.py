"""schemathesis (its standard checks, positive and negative data) against docs/openapi.yaml
through nginx, bounded to a few examples per operation. The custom string formats are generated
by schemathesis/hooks.py; schemathesis/schemathesis.toml says where a rule no schema can state
makes a schema-valid request rightly refused. Any failure fails this test, with its report."""
import os
import shutil
import subprocess

from conftest import BASE_URL

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemathesis")
SPEC = os.path.join(os.path.dirname(os.path.dirname(HERE)), "..", "docs", "openapi.yaml")


def test_the_api_matches_its_openapi_document(make_user, staff, service_token):
    st = shutil.which("st") or shutil.which("schemathesis")
    assert st, "schemathesis is not installed (scripts/install-deps.sh with WITH_TEST_TOOLS=1)"
    user = make_user()
    env = dict(os.environ, ST_BASE_URL=BASE_URL, ST_USER_TOKEN=user.token, ST_STAFF_TOKEN=staff.token,
               ST_SERVICE_TOKEN=service_token, SCHEMATHESIS_HOOKS="hooks", PYTHONPATH=HERE)
    run = subprocess.run([st, "--config-file", os.path.join(HERE, "schemathesis.toml"), "run",
                          os.path.normpath(SPEC), "--no-color"],
                         cwd=HERE, env=env, capture_output=True, text=True, timeout=600)
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-20000:]
    assert "No issues found" in report or " passed" in report, report[-3000:]
