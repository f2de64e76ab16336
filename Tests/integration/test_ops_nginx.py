"""The nginx files ops include in their own server: `nginx -t` accepts a config that includes the
snippets and the upstreams inside ordinary http/server blocks, the commented scaling examples
are valid once uncommented, and nothing in them routes to a metrics endpoint. Needs only nginx."""
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.environ.get("MESSAGING_ROOT", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
NGINX_DIR = os.path.join(ROOT, "nginx")
SNIPPETS = ["messaging-errors.conf", "messaging-api.conf", "messaging-ws.conf"]

pytestmark = pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")


def uncomment_examples(text):
    """The scaling examples in upstreams.conf, made live: after the 'Scaling out' paragraph, a line
    of code is '#' followed by a non-space or by indentation ('#upstream', '#    server');
    prose is '# ' and a word. The blocks above the examples are dropped (same names)."""
    head, marker, examples = text.partition("# Scaling out")
    assert marker, "upstreams.conf lost its scaling examples"
    lines = []
    for line in examples.splitlines():
        if re.match(r"^#(\S|    )", line):
            lines.append(line[1:])
    return "\n".join(lines) + "\n"


def nginx_test(tmp_path, upstreams_text, with_web=False):
    # Stock nginx layout: the snippets `include fastcgi_params` relative to the config folder.
    shutil.copy("/etc/nginx/fastcgi_params", tmp_path / "fastcgi_params")
    (tmp_path / "upstreams.conf").write_text(upstreams_text)
    includes = "\n".join(f"        include {os.path.join(NGINX_DIR, name)};" for name in SNIPPETS)
    if with_web:  # the optional web client snippet takes / (the server's own `location /` goes)
        includes += f"\n        root {os.path.join(ROOT, 'web')};\n        include {os.path.join(NGINX_DIR, 'messaging-web.conf')};"
    (tmp_path / "nginx.conf").write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    access_log off;
    include {tmp_path}/upstreams.conf;
    include {os.path.join(NGINX_DIR, "messaging-limits.conf")};
    server {{
        listen 127.0.0.1:8443;
        server_name example.test;
{includes}
        {"" if with_web else "location / { return 404; }"}
    }}
}}
""")
    result = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_snippets_and_upstreams_pass_nginx_t(tmp_path):
    nginx_test(tmp_path, open(os.path.join(NGINX_DIR, "upstreams.conf")).read())


def test_web_client_snippet_passes_nginx_t(tmp_path):
    nginx_test(tmp_path, open(os.path.join(NGINX_DIR, "upstreams.conf")).read(), with_web=True)


def test_scaling_examples_pass_nginx_t_once_uncommented(tmp_path):
    live = uncomment_examples(open(os.path.join(NGINX_DIR, "upstreams.conf")).read())
    assert live.count("upstream messaging_fcgi") == 1 and live.count("upstream messaging_push") == 1, live
    assert "least_conn;" in live and "#hash $remote_addr consistent;" in live
    nginx_test(tmp_path, live)


def test_nothing_routes_to_metrics():
    """The Prometheus endpoints stay off the public side: no location for them, no proxying to
    their default ports."""
    def code(name):
        return "\n".join(l.split("#", 1)[0] for l in open(os.path.join(NGINX_DIR, name)))
    for name in SNIPPETS + ["upstreams.conf", "messaging-limits.conf", "dev/nginx.conf.template"]:
        assert "metrics" not in code(name), name
        assert not re.search(r":946[45]\b", code(name)), name
    locations = re.findall(r"location\s+(\S+)", "\n".join(code(n) for n in SNIPPETS))
    assert sorted(locations) == ["/api/", "/ws/", "=", "=", "=", "=", "@messaging_payload_too_large", "@messaging_push_unavailable",
                                 "@messaging_too_many_requests", "@messaging_unavailable"], locations
