"""Signing in to the pages: throttled, fresh sessions, timeouts, CSRF and security headers."""
from tests.helpers import Browser, Page


def test_every_page_needs_signing_in(app, users):
    anonymous = Browser(app)
    for path in ("/", "/inbox", "/plans"):
        page = anonymous.get(path)
        assert page.status == 302 and page.location.startswith("/login"), path


def test_signing_in_lands_in_the_inbox_and_signing_out_ends_the_session(app, users):
    browser = Browser(app)
    signed_in = browser.sign_in("sam")
    assert signed_in.location == "/inbox"
    assert "Inbox" in browser.get("/inbox")
    signed_out = browser.post("/logout", csrf_from="/inbox")
    assert signed_out.status == 302
    assert browser.get("/inbox").status == 302


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(app, users):
    page = Browser(app).post("/login", {"username": "sam", "password": "nope"})
    assert page.status == 401 and "The username or password is not right." in page
    page = Browser(app).post("/login", {"username": "nobody", "password": "nope"})
    assert page.status == 401 and "The username or password is not right." in page


def test_repeated_failures_throttle_the_account_even_with_the_right_password(app, users, clock):
    browser = Browser(app)
    for _ in range(5):
        assert browser.post("/login", {"username": "sam", "password": "guess"}).status == 401
    page = browser.post("/login", {"username": "sam", "password": "sam-password-1"})
    assert page.status == 429 and "Try again in 15 minutes" in page
    clock.advance(minutes=16)
    assert browser.post("/login", {"username": "sam", "password": "sam-password-1"}).status == 302


def test_many_people_failing_behind_one_address_do_not_lock_each_other_out(app, users):
    office = Browser(app)  # one office router: every request comes from 127.0.0.1
    for name in ("mia", "max", "sue", "ada", "oli", "nina"):
        for _ in range(4):
            assert office.post("/login", {"username": name, "password": "typo"}).status == 401
    for name in ("mia", "max", "sue", "ada", "oli", "nina", "sam"):
        page = Browser(app).post("/login", {"username": name,
                                            "password": f"{name}-password-1"})
        assert page.status == 302, name


def test_one_account_shut_from_one_address_stays_open_from_another(app, users):
    for _ in range(5):
        Browser(app).post("/login", {"username": "mia", "password": "guess"})
    assert Browser(app).post("/login", {"username": "mia",
                                        "password": "mia-password-1"}).status == 429
    elsewhere = Browser(app)
    other = elsewhere.client.post("/login", data={
        "username": "mia", "password": "mia-password-1",
        "csrf_token": elsewhere.get("/login").csrf},
        environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 302


def test_the_session_cookie_is_httponly_lax_and_secure_over_https(app, users):
    browser = Browser(app)
    token = browser.get("/login").csrf
    plain = browser.client.post("/login", data={"username": "sam", "password": "sam-password-1",
                                                "csrf_token": token})
    cookie = plain.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure_browser = Browser(app)
    token = Page(secure_browser.client.get("/login", base_url="https://localhost")).csrf
    over_https = secure_browser.client.post(
        "/login", base_url="https://localhost", headers={"Referer": "https://localhost/login"},
        data={"username": "sam", "password": "sam-password-1", "csrf_token": token})
    assert over_https.status_code == 302 and "Secure" in over_https.headers["Set-Cookie"]


def test_signing_in_starts_a_new_session(app, users):
    browser = Browser(app)
    browser.get("/login")
    before = browser.client.get_cookie("strengthwise_session").value
    browser.sign_in("sam")
    after = browser.client.get_cookie("strengthwise_session").value
    assert before != after
    with browser.client.session_transaction() as session:
        # The cookie names a server-side session by a random id, not the user by theirs.
        assert len(session["_user_id"]) > 30 and not session["_user_id"].isdigit()


def test_an_idle_session_ends_after_the_configured_minutes(app, users, clock):
    browser = Browser(app, "sam")
    clock.advance(minutes=29)
    assert browser.get("/inbox").status == 200
    clock.advance(minutes=31)
    page = browser.get("/inbox")
    assert page.status == 302 and page.location.startswith("/login")
    assert "after a period without activity" in browser.get("/login")


def test_a_busy_session_still_ends_at_the_absolute_limit(app, users, clock):
    browser = Browser(app, "sam")
    for _ in range(24):  # a request every 29 minutes: never idle, 11 h 36 min in all
        clock.advance(minutes=29)
        assert browser.get("/inbox").status == 200
    clock.advance(minutes=29)  # 12 h 5 min after signing in
    page = browser.get("/inbox")
    assert page.status == 302 and page.location.startswith("/login")
    assert "sessions last at most 12 hours" in browser.get("/login")


def test_a_form_posted_without_its_csrf_token_is_rejected(app, users):
    browser = Browser(app, "sam")
    raw = browser.client.post("/logout")
    assert raw.status_code == 400
    assert "The form has expired" in raw.get_data(as_text=True)
    assert browser.get("/inbox").status == 200  # still signed in: nothing happened


def test_pages_send_security_headers_and_are_never_cached(app, users):
    page = Browser(app, "sam").get("/inbox")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["Cache-Control"] == "no-store"
    static = Browser(app).get("/static/css/app.css")
    assert static.status == 200 and static.headers.get("Cache-Control") != "no-store"


def test_an_unknown_page_is_a_friendly_not_found_page(app, users):
    page = Browser(app, "sam").get("/no-such-page")
    assert page.status == 404 and "Page not found" in page and "<title>" in page


def test_after_signing_in_the_user_returns_to_the_page_they_asked_for(app, users):
    browser = Browser(app)
    first = browser.get("/plans")
    assert "next=" in first.location
    signed_in = browser.post(first.location, {"username": "sam", "password": "sam-password-1"},
                             csrf_from="/login")
    assert signed_in.location == "/plans"
    evil = Browser(app).post("/login?next=https://evil.example/", {
        "username": "sam", "password": "sam-password-1"}, csrf_from="/login")
    assert evil.location == "/inbox"
