"""The account lifecycle, from the command line and the admin's pages: every change is an
event on the one audit chain, and the chain still verifies."""
import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from tests.helpers import Api, Browser, Users, add_admin, run_cli


def account_events(database_url):
    """(actor, action, changes, to-state) of every account event, in chain order."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        bodies = [row[0] for row in conn.execute(text(
            "SELECT body FROM audit_events WHERE workflow = 'account' ORDER BY seq"))]
    engine.dispose()
    return [(event["actor"], event["action"], event["changes"], event["to"])
            for event in map(json.loads, bodies)]


def assert_chain_intact(database_url):
    result = run_cli("audit", "verify", database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert "Audit chain intact" in result.stdout


def cli(database_url, *args, stdin=None):
    result = run_cli(*args, database_url=database_url, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return result


# --- the command line ------------------------------------------------------------------------

def test_user_add_is_audited_as_the_cli(database_url):
    cli(database_url, "user", "add", "rosa", "--role", "manager", "--service", "riverside",
        stdin="a long enough passphrase\n")
    assert account_events(database_url) == [
        ("cli", "account_created", ["account created: manager in riverside"], "active")]
    assert_chain_intact(database_url)


def test_every_cli_account_change_is_an_event_on_the_chain(database_url, users):
    cli(database_url, "user", "set-role", "sue", "manager")
    cli(database_url, "user", "set-services", "sue", "--service", "northgate",
        "--service", "riverside")
    cli(database_url, "token", "rotate", "sue")
    cli(database_url, "user", "unlock", "sue")
    cli(database_url, "user", "deactivate", "sue")
    cli(database_url, "user", "reactivate", "sue")
    events = account_events(database_url)
    assert [(actor, action, state) for actor, action, _, state in events] == [
        ("cli", "role_changed", "active"), ("cli", "services_changed", "active"),
        ("cli", "token_rotated", "active"), ("cli", "account_unlocked", "active"),
        ("cli", "account_deactivated", "inactive"), ("cli", "account_reactivated", "active")]
    assert events[0][2] == ["role changed from staff to manager"]
    assert events[1][2] == ["services changed from riverside to northgate, riverside"]
    assert events[2][2][0].startswith("API token rotated; 1 earlier token revoked")
    assert events[4][2] == ["account deactivated; 0 sessions ended, 1 API token revoked"]
    assert_chain_intact(database_url)


def test_user_list_shows_role_services_last_sign_in_and_status(database_url, app, users,
                                                               clock):
    Browser(app, "sam")
    cli(database_url, "user", "deactivate", "oli")
    clock.set(datetime.now(timezone.utc))  # the command line reads the system clock
    for _ in range(5):
        Browser(app).post("/login", {"username": "max", "password": "guess"})
    free_at = (clock.now() + timedelta(minutes=15)).astimezone(ZoneInfo("Europe/London"))
    lines = cli(database_url, "user", "list").stdout.splitlines()
    assert lines[0].split() == ["username", "role", "services", "last", "sign-in", "status"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert set(rows) == set(users.tokens)
    assert rows["sam"].split()[1:4] == ["staff", "riverside", "2026-11-20"]
    assert rows["ada"].split()[1:4] == ["auditor", "northgate,riverside", "never"]
    assert rows["oli"].endswith("inactive")
    assert f"sign-in locked until {free_at:%Y-%m-%d %H:%M}" in rows["max"]


def test_set_role_and_set_services_change_what_the_api_says(database_url, app, users):
    cli(database_url, "user", "set-role", "sam", "manager")
    cli(database_url, "user", "set-services", "sam", "--service", "elm-court")
    me = Api(app.test_client(), users).as_("sam").get("/me").json
    assert me == {"username": "sam", "role": "manager", "services": ["elm-court"]}


def test_unlock_lets_a_locked_account_sign_in_again(database_url, app, users):
    for _ in range(5):
        Browser(app).post("/login", {"username": "mia", "password": "guess"})
    assert Browser(app).post("/login", {"username": "mia",
                                        "password": "mia-password-1"}).status == 429
    result = cli(database_url, "user", "unlock", "mia")
    assert "5 failed sign-ins cleared" in result.stdout
    Browser(app).sign_in("mia")


def test_token_rotate_prints_the_new_token_last(database_url, app, users):
    result = cli(database_url, "token", "rotate", "max")
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("sw_") and token != users.tokens["max"]
    assert Api(app.test_client(), Users({"max": token})).as_("max").get("/me").status == 200


@pytest.mark.parametrize("args, message", [
    (("user", "deactivate", "nobody"), "no user nobody"),
    (("user", "set-role", "sam", "boss"), "boss"),
    (("token", "rotate", "nobody"), "no user nobody"),
])
def test_account_commands_refuse_clearly(database_url, users, args, message):
    result = run_cli(*args, database_url=database_url)
    assert result.returncode != 0 and message in result.stderr
    assert "Traceback" not in result.stderr


# --- the admin's pages -----------------------------------------------------------------------

@pytest.fixture
def admin(app, users, clock):
    add_admin(app, clock.now())
    return Browser(app, "ann")


def test_the_users_page_lists_every_account_for_an_admin_only(app, admin):
    page = admin.get("/admin/users")
    assert page.status == 200
    for name in ("mia", "sam", "ada", "ann"):
        assert f'/admin/users/{name}"' in page.html
    assert "Users" in admin.get("/inbox")  # in the admin's navigation
    for who in ("mia", "ada", "sam"):
        assert Browser(app, who).get("/admin/users").status == 403
        assert Browser(app, who).get("/admin/users/sam").status == 403


def test_an_admin_adds_a_user_who_can_then_sign_in(app, admin, database_url):
    page = admin.post("/admin/users/new", {"username": "rosa", "role": "staff",
                                           "service": ["riverside"],
                                           "new_services": "elm-court"})
    assert page.status == 200 and "rosa added" in page
    password = page.html.split('class="issued-password">')[1].split("<")[0]
    Browser(app).sign_in("rosa", password)
    assert account_events(database_url)[-1] == (
        "ann", "account_created", ["account created: staff in elm-court, riverside"], "active")


def test_adding_a_user_with_a_weak_password_says_why(admin):
    page = admin.post("/admin/users/new", {"username": "rosa", "role": "staff",
                                           "service": ["riverside"], "password": "password1234"})
    assert page.status == 422 and "commonly used passwords" in page


def test_each_admin_page_action_is_audited_and_the_chain_verifies(app, admin, database_url):
    for _ in range(5):
        Browser(app).post("/login", {"username": "sue", "password": "guess"})
    here = "/admin/users/sue"
    assert "locked until" in admin.get(here)
    assert admin.post(f"{here}/unlock", csrf_from=here).status == 302
    assert admin.post(f"{here}/role", {"role": "manager"}, csrf_from=here).status == 302
    assert admin.post(f"{here}/services", {"service": ["riverside"],
                                           "new_services": "elm-court"},
                      csrf_from=here).status == 302
    assert admin.post(f"{here}/token", csrf_from=here).status == 200
    assert admin.post(f"{here}/deactivate", csrf_from=here).status == 302
    assert "inactive" in admin.get(here)
    assert [(actor, action) for actor, action, _, _ in account_events(database_url)] == [
        ("ann", "account_unlocked"), ("ann", "role_changed"), ("ann", "services_changed"),
        ("ann", "token_rotated"), ("ann", "account_deactivated")]
    assert_chain_intact(database_url)


def test_an_admin_cannot_deactivate_their_own_account(admin):
    page = admin.post("/admin/users/ann/deactivate", csrf_from="/admin/users/ann")
    assert page.status == 403
    assert admin.get("/inbox").status == 200


def test_a_password_change_and_sign_out_everywhere_are_on_the_chain(app, users, database_url):
    browser = Browser(app, "sam")
    browser.post("/account/password", {"current": "sam-password-1",
                                       "new": "a long new passphrase",
                                       "confirm": "a long new passphrase"}, csrf_from="/account")
    browser.post("/account/sign-out-everywhere", csrf_from="/account")
    assert [(actor, action) for actor, action, _, _ in account_events(database_url)] == [
        ("sam", "password_changed"), ("sam", "signed_out_everywhere")]
    assert_chain_intact(database_url)
