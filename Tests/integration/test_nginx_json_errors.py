"""Every response under /api/ and /ws/ carries the API's JSON error shape, nginx's own answers
included: those it gives before any location matches (nginx/messaging-errors.conf) and the push
location's when no daemon answers (issue 15)."""
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


def test_the_push_location_without_a_daemon_is_a_json_503(tmp_path):
    """A throwaway nginx with the ops snippets whose push upstream has nothing listening."""
    port, dead = free_port(), free_port()
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / name).mkdir()
    subprocess.run(["cp", "/etc/nginx/fastcgi_params", str(tmp_path)], check=True)
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
    server {{ listen 127.0.0.1:{port}; {snippets} }}
}}
""")
    subprocess.run(["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], check=True, timeout=30)
    try:
        for _ in range(50):
            try:
                response = requests.get(f"http://127.0.0.1:{port}/ws/notifications", timeout=5)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert_json_error(response, 503, "service_unavailable")
        assert response.headers["Retry-After"] == "1"
        assert_json_error(requests.get(f"http://127.0.0.1:{port}/api/health", timeout=5), 503, "service_unavailable")
    finally:
        subprocess.run(["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-s", "stop"], timeout=30)
