"""An audit chain anchored outside the database: a signed checkpoint of its head catches a
deleted tail with the head moved back, and a history rewritten with every hash recomputed."""
import json
import os
import stat

import pytest
from sqlalchemy import create_engine, text

from engine.core.audit import GENESIS, canonical, event_hash
from tests.helpers import Browser, plan_content, run_cli


@pytest.fixture
def keys(tmp_path):
    """Where this test's signing key and checkpoints live (never the project's instance/)."""
    return {"STRENGTHWISE_AUDIT_SIGNING_KEY": str(tmp_path / "keys" / "signing.pem"),
            "STRENGTHWISE_AUDIT_CHECKPOINT_DIR": str(tmp_path / "checkpoints")}


@pytest.fixture
def trail(api):
    """Six events on one plan (the draft saved among its five steps)."""
    plan = api.as_("sam").new_plan()
    api.as_("max").fire(plan["id"], "approve")
    api.as_("sam").edit(plan["id"], **plan_content())
    api.as_("sam").fire(plan["id"], "request_approval")
    api.as_("max").fire(plan["id"], "approve", comment="Agreed with Margaret")
    api.as_("max").fire(plan["id"], "activate")  # refused: nobody has read it yet
    api.as_("sue").fire(plan["id"], "activate")  # denied: staff do not activate
    return plan["id"]


def cli(database_url, keys, *args):
    return run_cli(*args, database_url=database_url, env=keys)


def checkpoint(database_url, keys, tmp_path, name="cp.json"):
    out = tmp_path / name
    result = cli(database_url, keys, "audit", "checkpoint", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def verify_from(database_url, keys, path):
    return cli(database_url, keys, "audit", "verify", "--checkpoint", str(path))


def sql(database_url, *statements, params=None):
    engine = create_engine(database_url)
    with engine.begin() as conn:
        results = [conn.execute(text(statement), params or {}) for statement in statements]
        rows = [result.fetchall() if result.returns_rows else None for result in results]
    engine.dispose()
    return rows


def rewrite_from(database_url, seq: int, edit) -> None:
    """What a database administrator could do: edit one event's body with `edit`, recompute
    its hash and every later one, and move the head to match."""
    (rows,) = sql(database_url, "SELECT seq, body FROM audit_events ORDER BY seq")
    prev = GENESIS
    engine = create_engine(database_url)
    with engine.begin() as conn:
        for row_seq, body in rows:
            content = json.loads(body)
            if row_seq >= seq:
                if row_seq == seq:
                    edit(content)
                content["prev_hash"] = prev
                body = canonical(content)
                conn.execute(text("UPDATE audit_events SET body = :body, hash = :hash, "
                                  "prev_hash = :prev WHERE seq = :seq"),
                             {"body": body, "hash": event_hash(body), "prev": prev,
                              "seq": row_seq})
            prev = event_hash(body)
        conn.execute(text("UPDATE audit_head SET hash = :hash"), {"hash": prev})
    engine.dispose()


def test_a_checkpoint_is_signed_and_verifies_while_the_chain_extends_it(database_url, keys,
                                                                        tmp_path, trail, api):
    path = checkpoint(database_url, keys, tmp_path)
    document = json.loads(path.read_text())
    assert document["checkpoint"]["seq"] == 6 and len(document["checkpoint"]["hash"]) == 64
    assert document["checkpoint"]["at"].endswith("Z") and document["signature"]
    api.as_("max").fire(trail, "activate")
    api.as_("max").fire(trail, "activate")
    result = verify_from(database_url, keys, path)
    assert result.returncode == 0, result.stderr
    assert "Audit chain intact: 2 events verified after the checkpoint of event 6" in result.stdout


def test_deleting_the_tail_and_moving_the_head_back_is_caught(database_url, keys, tmp_path,
                                                             trail):
    path = checkpoint(database_url, keys, tmp_path)
    (rows,) = sql(database_url, "SELECT hash FROM audit_events WHERE seq = 5")
    sql(database_url, "DELETE FROM audit_events WHERE seq > 5",
        "UPDATE audit_head SET seq = 5, hash = :hash", params={"hash": rows[0][0]})
    assert run_cli("audit", "verify", database_url=database_url).returncode == 0  # fooled
    result = verify_from(database_url, keys, path)
    assert result.returncode == 1
    assert "BROKEN at event 6: event 6, the head signed at" in result.stderr
    assert "events were deleted from the end and the head moved back" in result.stderr


def test_a_history_rewritten_with_recomputed_hashes_is_caught(database_url, keys, tmp_path,
                                                             trail):
    path = checkpoint(database_url, keys, tmp_path)

    def soften(content):
        content["comment"] = "Rubber-stamped"
    rewrite_from(database_url, 4, soften)
    full = run_cli("audit", "verify", database_url=database_url)
    assert full.returncode == 0 and "intact: 6 events" in full.stdout  # fooled
    result = verify_from(database_url, keys, path)
    assert result.returncode == 1
    assert ("BROKEN at event 6: event 6 no longer has the hash signed at "
            in result.stderr and "the history up to it was rewritten" in result.stderr)


def test_an_edit_after_the_checkpoint_is_named(database_url, keys, tmp_path, trail, api):
    path = checkpoint(database_url, keys, tmp_path)
    api.as_("max").fire(trail, "activate")
    sql(database_url, "UPDATE audit_events SET actor = 'mia' WHERE seq = 7")
    result = verify_from(database_url, keys, path)
    assert result.returncode == 1 and "BROKEN at event 7: event 7 was edited" in result.stderr


def test_a_checkpoint_with_an_altered_head_or_another_key_is_refused(database_url, keys,
                                                                    tmp_path, trail):
    path = checkpoint(database_url, keys, tmp_path)
    document = json.loads(path.read_text())
    document["checkpoint"]["seq"] = 5
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document))
    result = verify_from(database_url, keys, forged)
    assert result.returncode == 1 and "does not verify with this installation's key" in \
        result.stderr
    other_key = {**keys, "STRENGTHWISE_AUDIT_SIGNING_KEY": str(tmp_path / "other.pem")}
    assert verify_from(database_url, other_key, path).returncode == 1


def test_a_broken_chain_is_never_signed(database_url, keys, tmp_path, trail):
    sql(database_url, "UPDATE audit_events SET outcome = 'blocked' WHERE seq = 3")
    result = cli(database_url, keys, "audit", "checkpoint", "--out", str(tmp_path / "x.json"))
    assert result.returncode == 1 and "chain is broken at event 3" in result.stderr
    assert not (tmp_path / "x.json").exists()


def test_the_signing_key_is_made_private_on_first_use(database_url, keys, tmp_path, trail):
    checkpoint(database_url, keys, tmp_path)
    key = tmp_path / "keys" / "signing.pem"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(key.parent).st_mode) == 0o700
    assert b"PRIVATE KEY" in key.read_bytes()
    before = key.read_bytes()
    checkpoint(database_url, keys, tmp_path, "second.json")
    assert key.read_bytes() == before  # generated once, then reused


def test_checkpoint_without_out_writes_into_the_checkpoint_dir(database_url, keys, trail):
    result = cli(database_url, keys, "audit", "checkpoint")
    assert result.returncode == 0, result.stderr
    written = list(os.scandir(keys["STRENGTHWISE_AUDIT_CHECKPOINT_DIR"]))
    assert len(written) == 1 and written[0].name.startswith("checkpoint-0000000006-")


def test_the_scheduler_writes_a_checkpoint_daily_into_the_checkpoint_dir(make_app, users,
                                                                        tmp_path):
    from apscheduler.schedulers.background import BackgroundScheduler

    from web.scheduler import add_jobs, run_checkpoint
    app = make_app(**{"audit.checkpoint_dir": str(tmp_path / "daily"),
                      "audit.signing_key": str(tmp_path / "key.pem")})
    scheduler = BackgroundScheduler(timezone="Europe/London")
    add_jobs(scheduler, app)
    job = next(job for job in scheduler.get_jobs() if job.id == "checkpoint")
    assert job.trigger.interval.total_seconds() == 24 * 3600
    assert job.func is run_checkpoint
    job.func(*job.args)
    assert [path.name[:22] for path in (tmp_path / "daily").iterdir()] == [
        "checkpoint-0000000000-"]


def test_the_auditors_page_shows_the_latest_checkpoint_to_copy_out(make_app, users, api,
                                                                  clock, tmp_path):
    from web.scheduler import run_checkpoint
    app = make_app(**{"audit.checkpoint_dir": str(tmp_path / "daily"),
                      "audit.signing_key": str(tmp_path / "key.pem")})
    auditor = Browser(app, "ada")
    assert "Audit chain" in auditor.get("/inbox")  # in the auditor's navigation
    assert "No checkpoint has been written yet" in auditor.get("/audit/chain")
    run_checkpoint(app)
    plan = api.as_("sam").new_plan()
    api.as_("max").fire(plan["id"], "approve")  # blocked: one event
    clock.advance(minutes=1)
    run_checkpoint(app)
    page = auditor.get("/audit/chain")
    assert page.status == 200 and "1 (the chain is now at event 1)" in page
    assert "&#34;seq&#34;: 1" in page.html  # the newest of the two, as JSON to copy
    assert "&#34;seq&#34;: 0" not in page.html
    download = auditor.client.get("/audit/chain/checkpoint.json")
    assert json.loads(download.data)["checkpoint"]["seq"] == 1
    assert Browser(app, "sam").get("/audit/chain").status == 403
