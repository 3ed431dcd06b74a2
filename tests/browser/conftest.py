"""Browser tests: the real service in its own process, driven by Debian's Chromium.

The service runs as a new user runs it (`escalation demo`, then `escalation serve`) on
127.0.0.1. Playwright never downloads a browser: it drives the Chromium that `.ci/run`
installs with apt. Every request leaving 127.0.0.1 fails the test, so a page that needs a
CDN cannot pass. Screenshots go to `test-artifacts/`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port, need

SCRIPT = Path(sys.executable).with_name("escalation")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LOCAL = re.compile(r"^(https?://127\.0\.0\.1(:\d+)?/|data:|blob:|about:)")
# The WCAG 2.1 A and AA rules, plus axe's best practices (landmarks, headings, ...).
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                          "best-practice"]},
    "resultTypes": ["violations", "incomplete"],
}


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")


@dataclass
class Server:
    url: str
    instance: Path
    env: dict[str, str]
    logins: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`escalation demo` and `escalation serve` on a free port, for the whole run."""
    instance = tmp_path_factory.mktemp("browser") / "instance"
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "AUDIT_KEY", "SECRET_KEY", "REDIS_URL", "SMTP_URL")}
    env["ESCALATION_INSTANCE"] = str(instance)
    demo = subprocess.run([str(SCRIPT), "demo"], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert demo.returncode == 0, demo.stderr
    port = free_port()
    log = (instance / "serve.log").open("w")
    proc = subprocess.Popen([str(SCRIPT), "serve", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 - our http URL
                    break
            except OSError:
                assert proc.poll() is None, (instance / "serve.log").read_text()
                assert time.monotonic() < deadline, "the service did not start in 60 s"
                time.sleep(0.2)
        yield Server(url=url, instance=instance, env=env)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = chromium_path()
    need(path, "Chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # Root in CI cannot use Chromium's sandbox; the pages are our own.
        b = pw.chromium.launch(executable_path=path, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


@functools.cache
def _axe_source() -> str:
    """axe-core as axe-playwright-python bundles it (no download)."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


@dataclass
class Visit:
    """A browser tab on the service that records what would break the offline promise."""

    page: Any
    base: str
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def go(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        assert response is not None
        return response

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def axe(self) -> None:
        """axe-core on the page as it is now: no violations, or a readable list of them."""
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(_axe_source())
        result = self.page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
        found = result["violations"] + invisible_text(result["incomplete"])
        report = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} at "
            f"{[n['target'] for n in v['nodes']][:3]}" for v in found)
        assert not found, f"axe-core on {self.page.url}:\n{report}"


def invisible_text(incomplete: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Text in the very colour of what is behind it (contrast 1:1), from axe's "needs
    review" results: axe will not call it a violation, since such text may be hidden on
    purpose, but nothing on these pages is; a header's Search and Sign out buttons once
    turned brand-on-brand this way and every test stayed green."""
    found = []
    for v in incomplete:
        nodes = [n for n in v["nodes"] if v["id"] == "color-contrast" and any(
            (c.get("data") or {}).get("messageKey") == "equalRatio" for c in n["any"])]
        if nodes:
            found.append({**v, "nodes": nodes, "help": "Text is invisible: its colour is "
                          "its background's (contrast 1:1)"})
    return found


# Chromium reports a page that answers 4xx (a 404 page, a form with errors answering 422)
# as "Failed to load resource" on the console; that is the page working as designed. Only
# the main document's own status is excused: a 4xx for anything else stays an error.
DOCUMENT_4XX = re.compile(
    r"^Failed to load resource: the server responded with a status of 4\d\d\b")
PASSWORD = "demo-lapsen-etu-ensin"


def open_tab(browser: Any, server: Server, locale: str = "fi-FI") -> Visit:
    """A fresh browser context (its own cookies: one person) with the offline guards on."""
    context = browser.new_context(locale=locale, base_url=server.url)
    page = context.new_page()
    tab = Visit(page=page, base=server.url)

    def guard(route: Any) -> None:
        if LOCAL.match(route.request.url):
            route.continue_()
        else:
            tab.outside.append(route.request.url)
            route.abort()

    def console(msg: Any) -> None:
        if msg.type != "error":
            return
        if DOCUMENT_4XX.match(msg.text) and msg.location.get("url") == page.url:
            return
        tab.errors.append(f"{msg.text} ({msg.location.get('url')})")

    page.route("**/*", guard)
    page.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    page.on("console", console)
    return tab


def close_tab(tab: Visit) -> None:
    tab.page.context.close()
    assert not tab.outside, f"requests left the machine: {tab.outside}"
    assert not tab.errors, f"errors in the browser: {tab.errors}"


def sign_in(tab: Visit, email: str, *, email_label: str = "Sähköpostiosoite",
            password_label: str = "Salasana",  # noqa: S107 - a field's label, not a password
            button: str = "Kirjaudu sisään", keep_language: bool = True) -> None:
    """Sign in through /login as a person would (labels default to Finnish).

    Signed in, the pages speak the person's own language (their profile's, which an earlier
    test's switch may have changed); `keep_language`: then switch back to the sign-in
    page's language, as the person would, so a test reads the language it expects.
    """
    tab.go("/login")
    before = tab.page.locator("html").get_attribute("lang")
    tab.page.get_by_label(email_label).fill(email)
    tab.page.get_by_label(password_label).fill(PASSWORD)
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name=button).click()
    assert not tab.page.url.endswith("/login"), f"{email} could not sign in"
    if keep_language and before and tab.page.locator("html").get_attribute("lang") != before:
        with tab.page.expect_navigation():
            tab.page.locator(f"button[name=lang][value={before}]").click()


@pytest.fixture
def visit(browser: Any, server: Server, request: pytest.FixtureRequest) -> Iterator[Visit]:
    tab = open_tab(browser, server, getattr(request, "param", "fi-FI"))
    try:
        yield tab
    finally:
        close_tab(tab)


# A journey that spans days needs the service's clock moved: `escalation serve` runs with
# its clock that many days ahead (time-machine, in the serving process only), on an
# instance of its own, so the demo's issues are the journey's to change.
_AHEAD = (
    "import datetime as dt, sys, time_machine\n"
    "time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=int(sys.argv[1])),"
    " tick=True).start()\n"
    "from api.cli import main\n"
    "sys.argv = ['escalation', *sys.argv[2:]]\n"
    "main()\n")


def demo_instance(tmp_path_factory: pytest.TempPathFactory, name: str) -> Server:
    """A new instance with the demo loaded, not yet served (`url` is empty)."""
    instance = tmp_path_factory.mktemp(name) / "instance"
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "AUDIT_KEY", "SECRET_KEY", "REDIS_URL", "SMTP_URL")}
    env["ESCALATION_INSTANCE"] = str(instance)
    demo = subprocess.run([str(SCRIPT), "demo"], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert demo.returncode == 0, demo.stderr
    return Server(url="", instance=instance, env=env)


@contextlib.contextmanager
def serving(demo: Server, *, days_ahead: int = 0) -> Iterator[Server]:
    """`escalation serve` on `demo`'s instance and a free port, its clock `days_ahead` days
    ahead of the machine's; several may serve one instance (one SQLite file)."""
    port = free_port()
    command = [sys.executable, "-c", _AHEAD, str(days_ahead)] if days_ahead else [str(SCRIPT)]
    log_path = demo.instance / f"serve-{port}.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([*command, "serve", "--port", str(port)], env=demo.env,
                                stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 - our http URL
                        break
                except OSError:
                    assert proc.poll() is None, log_path.read_text()
                    assert time.monotonic() < deadline, "the service did not start in 60 s"
                    time.sleep(0.2)
            yield Server(url=url, instance=demo.instance, env=demo.env)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="session")
def own_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A demo of its own for the journeys by role and the page sweep (they change and
    count the demo's issues; the shared `server` is left to the other tests)."""
    demo = demo_instance(tmp_path_factory, "own-demo")
    with serving(demo) as served:
        yield served
