"""Sessions live on the server: a cookie replayed after signing out, deactivation, a password
change or "sign out everywhere" opens nothing, and tokens stop when rotated, revoked or expired."""
import re

from tests.helpers import Api, Browser, Users, add_admin, run_cli


def replay(app, cookie: str, path: str = "/inbox"):
    """A fresh browser presenting a copied session cookie."""
    thief = Browser(app)
    thief.client.set_cookie("strengthwise_session", cookie)
    return thief.get(path)


def session_cookie(browser: Browser) -> str:
    return browser.client.get_cookie("strengthwise_session").value


def test_a_cookie_replayed_after_signing_out_gets_the_sign_in_page(app, users):
    browser = Browser(app, "sam")
    copied = session_cookie(browser)
    assert replay(app, copied).status == 200  # the copy works while the session lives
    browser.post("/logout", csrf_from="/inbox")
    page = replay(app, copied)
    assert page.status == 302 and page.location.startswith("/login")


def test_replaying_a_signed_out_cookie_does_not_keep_it_alive(app, users, clock):
    browser = Browser(app, "sam")
    copied = session_cookie(browser)
    browser.post("/logout", csrf_from="/inbox")
    for _ in range(3):
        clock.advance(minutes=5)
        assert replay(app, copied).status == 302


def test_the_idle_timer_is_the_servers_not_the_cookies(app, users, clock):
    browser = Browser(app, "sam")
    copied = session_cookie(browser)  # a cookie from sign-in, never refreshed
    clock.advance(minutes=20)
    assert browser.get("/inbox").status == 200  # the session was used 20 minutes in
    clock.advance(minutes=20)
    assert replay(app, copied).status == 200  # 40 minutes after the cookie, 20 after use
    clock.advance(minutes=31)
    assert replay(app, copied).status == 302


def test_deactivating_a_leaver_ends_their_pages_and_their_api_token_at_once(app, users,
                                                                          database_url):
    browser = Browser(app, "sue")
    copied = session_cookie(browser)
    api = Api(app.test_client(), users)
    assert api.as_("sue").get("/me").status == 200
    result = run_cli("user", "deactivate", "sue", database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert api.as_("sue").get("/me").status == 401
    page = browser.get("/inbox")
    assert page.status == 302 and page.location.startswith("/login")
    assert replay(app, copied).status == 302
    assert "You were signed out" in browser.get("/login")
    refused = Browser(app).post("/login", {"username": "sue", "password": "sue-password-1"})
    assert refused.status == 401


def test_changing_the_password_ends_every_other_session_and_keeps_this_one(app, users):
    laptop, phone = Browser(app, "sam"), Browser(app, "sam")
    phone_cookie = session_cookie(phone)
    changed = laptop.post("/account/password", {
        "current": "sam-password-1", "new": "a long new passphrase", "confirm":
        "a long new passphrase"}, csrf_from="/account")
    assert changed.status == 302, changed
    assert laptop.get("/inbox").status == 200
    assert phone.get("/inbox").status == 302
    assert replay(app, phone_cookie).status == 302
    assert Browser(app).post("/login", {"username": "sam",
                                        "password": "sam-password-1"}).status == 401
    Browser(app).sign_in("sam", "a long new passphrase")


def test_the_api_token_survives_a_password_change_and_stops_when_rotated(app, users,
                                                                       database_url):
    laptop = Browser(app, "sam")
    laptop.post("/account/password", {"current": "sam-password-1",
                                      "new": "a long new passphrase",
                                      "confirm": "a long new passphrase"}, csrf_from="/account")
    api = Api(app.test_client(), users)
    assert api.as_("sam").get("/me").status == 200  # a separate credential, rotated below
    result = run_cli("token", "rotate", "sam", database_url=database_url)
    assert result.returncode == 0, result.stderr
    new_token = result.stdout.strip().splitlines()[-1]
    assert api.as_("sam").get("/me").status == 401
    fresh = Api(app.test_client(), Users({"sam": new_token}))
    assert fresh.as_("sam").get("/me").json["username"] == "sam"


def test_sign_out_everywhere_ends_every_session_of_the_account(app, users):
    laptop, phone = Browser(app, "mia"), Browser(app, "mia")
    other_user = Browser(app, "max")
    account = laptop.get("/account")
    assert account.html.count("(this browser)") == 1 and "Sign out everywhere" in account
    page = laptop.post("/account/sign-out-everywhere", csrf_from="/account")
    assert page.status == 302 and page.location.startswith("/login")
    assert laptop.get("/inbox").status == 302
    assert phone.get("/inbox").status == 302
    assert other_user.get("/inbox").status == 200


def test_a_session_ignores_the_headers_a_thief_could_copy(app, users):
    browser = Browser(app, "sam")
    copied = session_cookie(browser)
    thief = Browser(app)
    thief.client.set_cookie("strengthwise_session", copied)
    # Before: Flask-Login's "strong" check was met by copying these two headers.
    headers = {"User-Agent": "Victim/1.0", "X-Forwarded-For": "127.0.0.1"}
    assert thief.get("/inbox", headers=headers).status == 200
    browser.post("/logout", csrf_from="/inbox")
    assert thief.get("/inbox", headers=headers).status == 302


def test_api_tokens_expire_after_a_year_by_default(app, users, clock):
    add_admin(app, clock.now())
    issued = Browser(app, "ann").post("/admin/users/sam/token", csrf_from="/admin/users/sam")
    token = re.search(r'class="issued-token">([^<]+)<', issued.html).group(1)
    api = Api(app.test_client(), Users({"sam": token}))
    clock.advance(days=364)
    assert api.as_("sam").get("/me").status == 200
    clock.advance(days=2)
    response = api.as_("sam").get("/me")
    assert response.status == 401 and response.json["error"] == "unauthorized"


def test_a_rotated_token_lasts_the_configured_token_days(make_app, clock):
    app = make_app(**{"security.token_days": 7})
    Users.create(app, clock.now())
    add_admin(app, clock.now())
    issued = Browser(app, "ann").post("/admin/users/sam/token", csrf_from="/admin/users/sam")
    assert issued.status == 200, issued
    token = re.search(r'class="issued-token">([^<]+)<', issued.html).group(1)
    api = Api(app.test_client(), Users({"sam": token}))
    clock.advance(days=6, hours=23)
    assert api.as_("sam").get("/me").status == 200
    clock.advance(hours=2)
    assert api.as_("sam").get("/me").status == 401
