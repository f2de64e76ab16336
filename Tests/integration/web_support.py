"""Helpers for the browser tests (no tests here): Debian's Chromium driven by Playwright for
Python (its own browser download cannot work here), one browser context per person, signed in
with the link `messaging-admin token --link` prints, and the stack's push daemon restarted in
place."""
import os
import signal
import subprocess
import time

import pytest
from playwright import sync_api

from conftest import BASE_URL, CONFIG, STACK_DIR, admin
from test_push_support import PUSH_DAEMON

CHROMIUM = os.environ.get("MESSAGING_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = os.path.join(STACK_DIR, "screenshots")
DESKTOP = {"width": 1200, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000

expect = sync_api.expect
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser():
    assert os.path.exists(CHROMIUM), f"no Chromium at {CHROMIUM}: scripts/install-deps.sh installs it (as root)"
    with sync_api.sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


class App:
    """One person's page. `errors` collects uncaught page errors: a test fails on any."""

    def __init__(self, context, page, user):
        self.context = context
        self.page = page
        self.user = user
        self.errors = []
        self.sockets = []  # the URL of every WebSocket the page opened
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self, hash_route):
        self.page.evaluate("route => { location.hash = route; }", hash_route)

    def conversation_item(self, conversation_id):
        return self.page.locator(f'.conversation-item[data-conversation-id="{conversation_id}"]')

    def message(self, text):
        return self.page.locator(".messages .message", has_text=text)

    def send(self, text):
        self.page.fill("#composer-input", text)
        self.page.press("#composer-input", "Enter")

    def debug(self, name):
        return self.page.evaluate(f"window.messagingDebug.{name}.slice()")

    def screenshot(self, name):
        os.makedirs(SCREENSHOTS, exist_ok=True)
        path = os.path.join(SCREENSHOTS, name + ".png")
        self.page.screenshot(path=path)
        return path


@pytest.fixture
def web(browser):
    """Opens the app signed in as a user: `web(user, viewport=DESKTOP, route="#/")`."""
    opened = []

    def open_app(user, viewport=DESKTOP, route=None, ttl=None, prepare=None):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        app = App(context, page, user)
        page.on("websocket", lambda socket: app.sockets.append(socket.url))
        if prepare:
            prepare(page)  # e.g. routes set before the page opens its stream
        link = admin("token", "--user", str(user.id), "--link", *(["--ttl", str(ttl)] if ttl else []))
        assert link.startswith(BASE_URL + "/#token="), link
        page.goto(link)
        # The token left the address bar at once, and the stream is up.
        expect(page).to_have_url(BASE_URL + "/#/")
        page.wait_for_selector("html[data-connection=online]")
        if route:
            app.open(route)
        opened.append(app)
        return app

    yield open_app
    errors = [(app.user.username, error) for app in opened for error in app.errors]
    for app in opened:
        app.context.close()
    assert not errors, errors


def restart_stack_push_daemon(pause=0.5):
    """Stops the stack's own push daemon (the one behind nginx) with SIGTERM, as a deploy does,
    waits `pause` seconds and starts it again with the same configuration."""
    pid_file = os.path.join(STACK_DIR, "run", "push-daemon.pid")
    pid = int(open(pid_file).read())
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the push daemon did not stop")
    time.sleep(pause)
    log = open(os.path.join(STACK_DIR, "log", "push-daemon.log"), "a")
    process = subprocess.Popen([PUSH_DAEMON, "--config", CONFIG], stdout=log, stderr=subprocess.STDOUT,
                               env=dict(os.environ, MESSAGING_CONFIG=CONFIG), start_new_session=True)
    with open(pid_file, "w") as f:
        f.write(str(process.pid))
    return process
