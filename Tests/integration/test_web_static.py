"""How nginx serves the web client (nginx/messaging-web.conf, included by the dev template): the
app at /, its modules with a JavaScript type, a content security policy, JSON errors for
anything else, and the sign-in link `messaging-admin token --link` prints."""
import re

import requests

from conftest import BASE_URL, admin, assert_error


def test_the_app_is_served_at_the_root_with_a_content_security_policy():
    r = requests.get(BASE_URL + "/", timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert '<script type="module" src="app.js"></script>' in r.text
    policy = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy and "unsafe-inline" not in policy
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"


def test_every_module_the_app_imports_is_served_as_javascript():
    seen, queue = set(), ["app.js"]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        r = requests.get(f"{BASE_URL}/{path}", timeout=10)
        assert r.status_code == 200, path
        assert r.headers["Content-Type"].startswith("application/javascript"), (path, r.headers["Content-Type"])
        folder = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
        for target in re.findall(r'from "\./([\w./-]+)"', r.text):
            queue.append(folder + target)
    assert len(seen) >= 15, seen
    assert requests.get(BASE_URL + "/styles.css", timeout=10).headers["Content-Type"].startswith("text/css")


def test_other_methods_and_missing_files_are_json_errors():
    r = requests.post(BASE_URL + "/", timeout=10)
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "GET, HEAD"
    assert_error(requests.delete(BASE_URL + "/app.js", timeout=10), 405, "method_not_allowed")
    assert_error(requests.get(BASE_URL + "/js/missing.js", timeout=10), 404, "not_found")


def test_token_link_opens_the_stack_signed_in(alice):
    link = admin("token", "--user", str(alice.id), "--link")
    assert link.startswith(BASE_URL + "/#token="), link
    token = link.split("#token=", 1)[1]
    r = requests.get(BASE_URL + "/api/messages/conversations", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 200
