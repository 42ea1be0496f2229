"""Browser tests: Playwright driving Debian's Chromium against a real `strengthwise serve`.

Chromium comes from the system (`apt-get install chromium`; .ci/run installs it), never from
Playwright's own download. Without it the browser tests are skipped locally and fail in CI.
Screenshots of each main page are kept in test-artifacts/screenshots/.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = (os.environ.get("STRENGTHWISE_CHROMIUM") or shutil.which("chromium")
            or "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
# username: (role, services)
PEOPLE = {"sam": ("staff", ["riverside"]), "sue": ("staff", ["riverside"]),
          "mia": ("manager", ["riverside"]), "max": ("manager", ["riverside"]),
          "ada": ("auditor", ["riverside", "northgate"]), "oli": ("staff", ["northgate"])}


def password_of(username: str) -> str:
    return f"{username}-browser-pw"


@pytest.fixture(scope="session")
def chromium_path():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: .ci/run should install it")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def playwright_browser(chromium_path):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare_database(url: str) -> None:
    """Migrate and add the cast in-process (the CLI's own tests cover `init` and `user add`)."""
    from engine.core.users import add_user
    from engine.schema import upgrade
    from web import create_app
    from web.extensions import db

    app = create_app({"database_url": url})
    with app.app_context():
        upgrade(db.engine)
        now = app.extensions["strengthwise"].now()
        for name, (role, services) in PEOPLE.items():
            add_user(db.session, name, role, services, password_of(name), now)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def live_server(tmp_path):
    """A fresh SQLite database with the cast, served by waitress on a free port."""
    url = f"sqlite:///{tmp_path / 'browser.db'}"
    _prepare_database(url)
    with serving(url) as base:
        yield base


@contextmanager
def serving(url: str, ready_path: str = "/login") -> Iterator[str]:
    """`strengthwise serve` on `url` at a free port, until the block ends: its base URL."""
    port = _free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "strengthwise"), "serve", "--port", str(port)],
        cwd=ROOT, env={**os.environ, "STRENGTHWISE_DATABASE_URL": url,
                       "STRENGTHWISE_SCHEDULER_EMBEDDED": "false"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + ready_path, timeout=1)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"serve did not start: {process.stdout.read()}")
            time.sleep(0.2)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def sign_in(playwright_browser, live_server):
    """sign_in("sam") → a Playwright page signed in as sam, in its own browser context."""
    contexts = []

    def open_as(username: str, width: int = 1024, height: int = 900):
        context = playwright_browser.new_context(viewport={"width": width, "height": height},
                                                 base_url=live_server,
                                                 accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password_of(username))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/inbox")
        return page

    yield open_as
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    """Keep a full-page picture of what a user saw, for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


# axe-core, the accessibility engine, is installed by .ci/run from npm into the git-ignored
# .cache/npm (the same command works locally); nothing is fetched while the tests run.
AXE = Path(os.environ.get("STRENGTHWISE_AXE")
           or ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js")
AXE_INSTALL = "npm install --no-audit --no-fund --prefix .cache/npm axe-core@4.14.1"
WIDTHS = (768, 1280)


@pytest.fixture(scope="session")
def axe_path():
    if not AXE.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"axe-core is not at {AXE}: .ci/run installs it with `{AXE_INSTALL}`")
        pytest.skip(f"axe-core is not installed (run `{AXE_INSTALL}`)")
    return AXE


def _axe_source(axe: Path, _read: dict[Path, str] = {}) -> str:
    if axe not in _read:
        _read[axe] = axe.read_text(encoding="utf-8")
    return _read[axe]


def serious_violations(page, axe: Path) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Not page.add_script_tag: the pages' CSP rightly refuses inline scripts, and the tests
        # keep the CSP on. Playwright's evaluate runs outside it.
        page.evaluate("(source) => { (0, eval)(source); }", _axe_source(axe))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{violation['id']} ({violation['impact']}): {violation['help']} — "
            + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
            for violation in result["violations"] if violation["impact"] in ("serious", "critical")]


def accessibility_problems(page, axe: Path, widths=WIDTHS) -> list[str]:
    """serious_violations() at each width, and any sideways scrolling of the whole page."""
    problems, size = [], page.viewport_size
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        problems += [f"{width}px: {line}" for line in serious_violations(page, axe)]
        if page.evaluate("document.documentElement.scrollWidth") > width:
            problems.append(f"{width}px: the page scrolls sideways")
    if size:
        page.set_viewport_size(size)
    return problems
