"""Every response under /api/ and /ws/ carries the API's JSON error shape, nginx's own answers
included: those it gives before any location matches (nginx/messaging-errors.conf) and the push
location's when no daemon answers (issue 15)."""
import contextlib
import concurrent.futures
import os
import socket
import subprocess
import time

import requests

from conftest import BASE_URL, ROOT
from test_push_support import free_port


def assert_json_error(response, status, code):
    assert response.status_code == status, (response.status_code, response.text[:200])
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    assert response.json()["error"]["code"] == code


def raw_request(request_line, headers=""):
    """What nginx answers to a request `requests` would refuse to send (a NUL in the path)."""
    host, port = BASE_URL.replace("http://", "").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(f"{request_line}\r\nHost: {host}\r\n{headers}Connection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.decode(), body.decode()


def test_a_huge_header_is_a_json_431():
    assert_json_error(requests.get(BASE_URL + "/api/health", headers={"Authorization": "Bearer " + "a" * 100_000}, timeout=5),
                      431, "header_too_large")


def test_a_malformed_request_line_is_a_json_400():
    head, body = raw_request("GET /api/messages/1%00 HTTP/1.1")
    assert head.startswith("HTTP/1.1 400") and "application/json" in head, head
    assert '"code":"bad_request"' in body


def test_trace_is_a_json_405_with_allow():
    response = requests.request("TRACE", BASE_URL + "/api/health", timeout=5)
    assert_json_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_a_huge_websocket_query_is_a_json_414():
    assert_json_error(requests.get(BASE_URL + "/ws/notifications?token=" + "a" * 100_000, timeout=5), 414, "uri_too_long")


@contextlib.contextmanager
def throwaway_nginx(tmp_path, token_rate=None):
    """An nginx of its own with the ops snippets, whose upstreams have nothing listening; with
    `token_rate`, messaging-limits.conf at that many requests a second. Yields its port."""
    port, dead = free_port(), free_port()
    limits = open(os.path.join(ROOT, "nginx", "messaging-limits.conf")).read()
    if token_rate is not None:
        limits = limits.replace("rate=50r/s", f"rate={token_rate}r/s")
    (tmp_path / "messaging-limits.conf").write_text(limits)
    snippets = "\n".join(f"include {os.path.join(ROOT, 'nginx', n)};" for n in ("messaging-errors.conf", "messaging-api.conf", "messaging-ws.conf"))
    (tmp_path / "nginx.conf").write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
{"user root;" if os.getuid() == 0 else ""}
events {{}}
http {{
    client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy; fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;
    access_log off;
    upstream messaging_fcgi {{ server 127.0.0.1:{dead}; }}
    upstream messaging_push {{ server 127.0.0.1:{dead}; }}
    include {tmp_path}/messaging-limits.conf;
    server {{ listen 127.0.0.1:{port}; {snippets} }}
}}
""")
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / name).mkdir()
    subprocess.run(["cp", "/etc/nginx/fastcgi_params", str(tmp_path)], check=True)
    subprocess.run(["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], check=True, timeout=30)
    try:
        for _ in range(50):
            try:
                requests.get(f"http://127.0.0.1:{port}/ws/health", timeout=5)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield port
    finally:
        subprocess.run(["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-s", "stop"], timeout=30)


def test_the_push_location_without_a_daemon_is_a_json_503(tmp_path):
    with throwaway_nginx(tmp_path) as port:
        response = requests.get(f"http://127.0.0.1:{port}/ws/notifications", timeout=5)
        assert_json_error(response, 503, "service_unavailable")
        assert response.headers["Retry-After"] == "1"
        assert_json_error(requests.get(f"http://127.0.0.1:{port}/api/health", timeout=5), 503, "service_unavailable")


def test_a_token_flooding_the_api_is_held_in_nginx(tmp_path):
    """messaging-limits.conf at 1 request a second: of 160 requests at once with one token, 51
    pass at once, 50 wait, and the rest are a JSON 429 from nginx; a service token is not held."""
    def burst(port, token, count=160):
        def one(_):
            try:
                return requests.get(f"http://127.0.0.1:{port}/api/health", headers={"Authorization": f"Bearer {token}"}, timeout=3)
            except requests.exceptions.ReadTimeout:
                return None  # waiting in nginx
        with concurrent.futures.ThreadPoolExecutor(max_workers=count) as pool:
            return [r for r in pool.map(one, range(count)) if r is not None]

    with throwaway_nginx(tmp_path, token_rate=1) as port:
        answered = burst(port, "a-users-token")
        refused = [r for r in answered if r.status_code == 429]
        assert len(refused) >= 50, sorted(r.status_code for r in answered)
        for response in refused:
            assert_json_error(response, 429, "rate_limited")
            assert response.headers["Retry-After"] == "1"
        # The platform's backend (a service token) reaches the (dead) upstream every time.
        assert {r.status_code for r in burst(port, "mts_platform_backend")} == {503}
