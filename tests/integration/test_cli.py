"""The command line: init, user add, audit verify, rules check."""
from sqlalchemy import create_engine, text

from tests.helpers import Api, Users, plan_content, run_cli


def test_init_creates_the_schema_and_is_idempotent(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    first = run_cli("init", database_url=url)
    assert first.returncode == 0, first.stderr
    assert "Database upgraded from schema empty to" in first.stdout
    assert "rule pack support_plan@1.5.0 (31 rules)" in first.stdout
    second = run_cli("init", database_url=url)
    assert second.returncode == 0 and "Database is up to date" in second.stdout


def test_init_on_a_database_in_use_keeps_its_data(database_url, api):
    plan = api.as_("sam").new_plan(**plan_content())
    api.as_("max").fire(plan["id"], "approve")
    result = run_cli("init", database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert api.as_("sam").get(f"/plans/{plan['id']}").json["state"] == "approved"
    steps = api.as_("sam").get(f"/plans/{plan['id']}/audit?action=transition").json["events"]
    assert len(steps) == 1


def test_user_add_prints_a_working_token_last_and_uses_a_piped_password(database_url, app):
    result = run_cli("user", "add", "rosa", "--role", "manager", "--service", "riverside",
                     "--service", "elm-court", database_url=database_url,
                     stdin="correct horse battery\n")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    assert "Password:" not in result.stdout
    client = Api(app.test_client(), Users({"rosa": token}))
    assert client.as_("rosa").get("/me").json == {
        "username": "rosa", "role": "manager", "services": ["elm-court", "riverside"]}
    from engine.core.models import User
    from engine.core.users import password_matches
    from web.extensions import db
    with app.app_context():
        user = db.session.query(User).filter_by(username="rosa").one()
        assert password_matches(user, "correct horse battery")


def test_user_add_generates_and_prints_a_password_when_none_is_piped(database_url):
    result = run_cli("user", "add", "tom", "--role", "staff", "--service", "riverside",
                     database_url=database_url)
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0 and lines[1].startswith("Password: ")
    assert lines[-1].startswith("sw_")


def test_user_add_refuses_a_duplicate_or_an_unknown_role(database_url):
    run_cli("user", "add", "tom", "--role", "staff", "--service", "riverside",
            database_url=database_url)
    again = run_cli("user", "add", "tom", "--role", "staff", "--service", "riverside",
                    database_url=database_url)
    assert again.returncode != 0 and "'tom' already exists" in again.stderr
    bad = run_cli("user", "add", "val", "--role", "boss", "--service", "riverside",
                  database_url=database_url)
    assert bad.returncode != 0 and "boss" in bad.stderr


def test_tokens_are_stored_hashed(database_url, users):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        stored = {row[0] for row in conn.execute(text("SELECT token_hash FROM api_tokens"))}
    engine.dispose()
    assert stored and not stored & set(users.tokens.values())
    assert all(len(value) == 64 for value in stored)


def test_rules_check_passes_on_the_shipped_definitions(tmp_path):
    result = run_cli("rules", "check", database_url=f"sqlite:///{tmp_path / 'unused.db'}")
    assert result.returncode == 0, result.stderr
    assert "support_plan@1.5.0: 31 rules" in result.stdout


def test_rules_check_lists_every_problem_and_exits_1(tmp_path):
    import shutil
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "workflows", tmp_path / "workflows")
    shutil.copytree(root / "rules", tmp_path / "rules", ignore=shutil.ignore_patterns("*.py"))
    definition = tmp_path / "workflows" / "support_plan.toml"
    definition.write_text(definition.read_text()
                          .replace('"plan.team-briefed"', '"plan.team-brief"')
                          .replace('roles = ["manager"]\nrules = ["close',
                                   'roles = []\nrules = ["close'))
    result = run_cli("rules", "check", database_url=f"sqlite:///{tmp_path / 'unused.db'}",
                     env={"STRENGTHWISE_DEFINITIONS_WORKFLOWS": str(tmp_path / "workflows"),
                          "STRENGTHWISE_DEFINITIONS_RULES": str(tmp_path / "rules")})
    assert result.returncode == 1
    assert "2 problem(s)" in result.stderr
    assert "transition 'activate' names unknown rule id 'plan.team-brief'" in result.stderr
    assert "transition 'close' has no roles" in result.stderr


def test_commands_on_an_uninitialised_database_say_what_to_do(tmp_path):
    result = run_cli("audit", "verify", database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    assert result.returncode == 1
    assert "strengthwise init" in result.stderr and "Traceback" not in result.stderr


def test_an_admin_adds_a_manager_of_another_service_as_an_approver(database_url, app, users):
    added = run_cli("user", "add-approver", "nina", "--service", "riverside",
                    database_url=database_url)
    assert added.returncode == 0, added.stderr
    assert "nina can now approve plans in riverside" in added.stdout
    again = run_cli("user", "add-approver", "nina", "--service", "riverside",
                    database_url=database_url)
    assert again.returncode == 1 and "nina already manages riverside" in again.stderr
    staff = run_cli("user", "add-approver", "oli", "--service", "riverside",
                    database_url=database_url)
    assert staff.returncode == 1 and "only a manager approves plans" in staff.stderr
    events = run_cli("audit", "verify", database_url=database_url)
    assert events.returncode == 0
    from engine.core.models import AuditEvent
    from web.extensions import db
    with app.app_context():
        [event] = db.session.query(AuditEvent).filter_by(action="approver_added").all()
        assert event.actor == "cli" and "added as an approver for riverside" in event.body
