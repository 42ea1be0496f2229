"""Hardening: a private database file and instance/, HSTS over HTTPS only, and the client's
address and scheme taken from X-Forwarded-* only when the peer is a configured proxy."""
import os
import shutil
import stat
from pathlib import Path

from tests.helpers import Browser, Page, run_cli

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_init_creates_instance_the_database_and_the_secret_key_private(tmp_path):
    shutil.copyfile(ROOT / "config.toml", tmp_path / "config.toml")
    env = {"STRENGTHWISE_CONFIG": str(tmp_path / "config.toml")}
    before = os.umask(0o022)  # the usual umask, under which SQLite would make the file 0644
    try:
        result = run_cli("init", database_url="sqlite:///instance/strengthwise.db", env=env)
    finally:
        os.umask(before)
    assert result.returncode == 0, result.stderr
    instance = tmp_path / "instance"
    assert mode(instance) == 0o700
    assert mode(instance / "strengthwise.db") == 0o600
    assert mode(instance / "secret_key") == 0o600
    checkpoint = run_cli("audit", "checkpoint", database_url="sqlite:///instance/strengthwise.db",
                         env=env)
    assert checkpoint.returncode == 0, checkpoint.stderr
    assert mode(instance / "audit-signing-key.pem") == 0o600
    assert mode(instance / "checkpoints") == 0o700
    for wal in instance.glob("strengthwise.db-*"):
        assert mode(wal) == 0o600, wal


def test_hsts_is_sent_over_https_and_never_over_http(app, users):
    plain = Browser(app).get("/login")
    assert "Strict-Transport-Security" not in plain.headers
    secure = Page(Browser(app).client.get("/login", base_url="https://localhost"))
    assert secure.headers["Strict-Transport-Security"] == \
        "max-age=31536000; includeSubDomains"


def sign_in_from(app, peer: str, headers: dict, who: str = "sam") -> Browser:
    browser = Browser(app)
    token = Page(browser.client.get("/login", environ_base={"REMOTE_ADDR": peer},
                                    headers=headers)).csrf
    raw = browser.client.post("/login", environ_base={"REMOTE_ADDR": peer}, headers=headers,
                              data={"username": who, "password": f"{who}-password-1",
                                    "csrf_token": token})
    assert raw.status_code == 302, raw.get_data(as_text=True)[:300]
    return browser


def session_addresses(browser: Browser, peer: str, headers: dict) -> list[str]:
    import re
    page = Page(browser.client.get("/account", environ_base={"REMOTE_ADDR": peer},
                                   headers=headers))
    return re.findall(r'class="session-address">([^<]*)<', page.html)


FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https",
             "Referer": "https://localhost/login"}


def test_forwarded_headers_are_honoured_from_a_configured_proxy(make_app, clock):
    from tests.helpers import Users
    app = make_app(**{"server.trusted_proxies": ["10.0.0.0/24"]})
    Users.create(app, clock.now())
    browser = sign_in_from(app, "10.0.0.5", FORWARDED)
    assert session_addresses(browser, "10.0.0.5", FORWARDED) == ["203.0.113.9"]
    page = Page(browser.client.get("/inbox", environ_base={"REMOTE_ADDR": "10.0.0.5"},
                                   headers=FORWARDED))
    assert "Strict-Transport-Security" in page.headers  # https, as the proxy said


def test_forwarded_headers_from_any_other_peer_are_ignored(make_app, clock):
    from tests.helpers import Users
    app = make_app(**{"server.trusted_proxies": ["10.0.0.0/24"]})
    Users.create(app, clock.now())
    forged = {**FORWARDED, "Referer": "http://localhost/login"}
    browser = sign_in_from(app, "198.51.100.7", forged)
    assert session_addresses(browser, "198.51.100.7", forged) == ["198.51.100.7"]
    page = Page(browser.client.get("/inbox", environ_base={"REMOTE_ADDR": "198.51.100.7"},
                                   headers=forged))
    assert "Strict-Transport-Security" not in page.headers


def test_without_trusted_proxies_a_forged_address_does_not_escape_a_lock(app, users):
    for number in range(5):
        guesser = Browser(app)
        guesser.client.post("/login", headers={"X-Forwarded-For": f"192.0.2.{number}"},
                            data={"username": "sam", "password": "guess",
                                  "csrf_token": guesser.get("/login").csrf})
    again = Browser(app)
    raw = again.client.post("/login", headers={"X-Forwarded-For": "192.0.2.99"},
                            data={"username": "sam", "password": "sam-password-1",
                                  "csrf_token": again.get("/login").csrf})
    assert raw.status_code == 429


def test_trusted_proxies_can_be_listed_in_the_environment(monkeypatch):
    from engine import load_settings
    monkeypatch.setenv("STRENGTHWISE_SERVER_TRUSTED_PROXIES", "10.0.0.1, 10.0.1.0/24")
    assert load_settings()["server.trusted_proxies"] == ["10.0.0.1", "10.0.1.0/24"]
