"""Signing in gives nothing away: an unknown username takes as long as a wrong password; and
passwords must be long, not the username and not a well-known one."""
import statistics
import time

import pytest

from tests.helpers import Browser, run_cli

ATTEMPTS = 7


def median_seconds(app, username: str) -> float:
    """The median time of ATTEMPTS failed sign-ins as `username`, the form already loaded."""
    browser = Browser(app)
    token = browser.get("/login").csrf
    times = []
    for _ in range(ATTEMPTS):
        started = time.perf_counter()
        raw = browser.client.post("/login", data={"username": username, "password": "nope",
                                                  "csrf_token": token})
        times.append(time.perf_counter() - started)
        assert raw.status_code == 401
    return statistics.median(times)


def test_an_unknown_username_takes_as_long_as_a_wrong_password(make_app, clock):
    from tests.helpers import Users
    app = make_app(**{"security.login_max_failures": 1000,
                      "security.account_max_failures": 1000})
    Users.create(app, clock.now())
    median_seconds(app, "sam")  # warm up: the first scrypt and the first queries
    known, unknown = median_seconds(app, "sam"), median_seconds(app, "nobody")
    # Before: 201 ms for a known user against 18 ms for an unknown one (a ratio of 11).
    assert 0.67 < unknown / known < 1.5, (known, unknown)


def test_an_inactive_account_takes_as_long_as_an_active_one(make_app, clock, database_url):
    from tests.helpers import Users
    app = make_app(**{"security.login_max_failures": 1000,
                      "security.account_max_failures": 1000})
    Users.create(app, clock.now())
    assert run_cli("user", "deactivate", "oli", database_url=database_url).returncode == 0
    median_seconds(app, "sam")
    active, inactive = median_seconds(app, "sam"), median_seconds(app, "oli")
    assert 0.67 < inactive / active < 1.5, (active, inactive)


def test_failures_back_off_doubling_with_each_further_failure(app, users, clock):
    browser = Browser(app)
    for _ in range(5):
        browser.post("/login", {"username": "sam", "password": "guess"})
    assert "Try again in 15 minutes" in browser.post("/login", {"username": "sam",
                                                                "password": "guess"})
    clock.advance(minutes=16)
    assert browser.post("/login", {"username": "sam", "password": "guess"}).status == 401
    assert "Try again in 30 minutes" in browser.post("/login", {"username": "sam",
                                                                "password": "guess"})


def test_failures_from_many_addresses_shut_the_account_until_an_admin_unlocks(
        app, users, database_url):
    for number in range(20):
        guesser = Browser(app)
        failed = guesser.client.post("/login", environ_base={"REMOTE_ADDR": f"10.0.0.{number}"},
                                     data={"username": "mia", "password": "guess",
                                           "csrf_token": guesser.get("/login").csrf})
        assert failed.status_code == 401
    elsewhere = Browser(app)
    refused = elsewhere.client.post("/login", environ_base={"REMOTE_ADDR": "10.9.9.9"},
                                    data={"username": "mia", "password": "mia-password-1",
                                          "csrf_token": elsewhere.get("/login").csrf})
    assert refused.status_code == 429
    assert Browser(app).post("/login", {"username": "max",
                                        "password": "max-password-1"}).status == 302
    assert run_cli("user", "unlock", "mia", database_url=database_url).returncode == 0
    Browser(app).sign_in("mia")


@pytest.mark.parametrize("password, message", [
    ("12345678", "a password needs at least 12 characters (this one has 8)"),
    ("password", "a password needs at least 12 characters (this one has 8)"),
    ("password1234", "this password is on the list of commonly used passwords"),
    ("QWERTYUIOP123", "this password is on the list of commonly used passwords"),
    ("rosalind.smith", "a password must not be the username"),
])
def test_user_add_refuses_a_weak_password_saying_why(database_url, password, message):
    result = run_cli("user", "add", "rosalind.smith", "--role", "staff", "--service",
                     "riverside", database_url=database_url, stdin=password + "\n")
    assert result.returncode != 0 and message in result.stderr, result.stderr


def test_a_generated_password_passes_the_policy(database_url):
    from engine.core.passwords import password_problems
    from engine.core.users import new_password
    assert all(not password_problems(new_password(), "sam") for _ in range(200))
    result = run_cli("user", "add", "tom", "--role", "staff", "--service", "riverside",
                     database_url=database_url)
    assert result.returncode == 0, result.stderr


def test_the_account_page_refuses_a_weak_new_password_with_the_reason(app, users):
    browser = Browser(app, "sam")
    for new, message in (("short", "at least 12 characters"),
                         ("iloveyou1234", "commonly used passwords"),
                         ("SAM", "must not be the username")):
        page = browser.post("/account/password", {"current": "sam-password-1", "new": new,
                                                  "confirm": new}, csrf_from="/account")
        assert page.status == 422 and message in page, new
    wrong = browser.post("/account/password", {"current": "not it", "new": "a fine passphrase",
                                               "confirm": "a fine passphrase"},
                         csrf_from="/account")
    assert wrong.status == 422 and "your current password is not right" in wrong
    differs = browser.post("/account/password", {"current": "sam-password-1",
                                                 "new": "a fine passphrase",
                                                 "confirm": "a fine passphrase!"},
                           csrf_from="/account")
    assert differs.status == 422 and "The two new passwords are not the same." in differs
    Browser(app).sign_in("sam")  # nothing changed
