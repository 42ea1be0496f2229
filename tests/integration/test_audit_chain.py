"""The audit chain: `strengthwise audit verify` finds any edited, deleted or reordered event."""
import pytest
from sqlalchemy import create_engine, text

from tests.helpers import plan_content, run_cli


@pytest.fixture
def trail(api):
    """Six events on one plan: blocked, the draft saved (a change), request, approve, blocked
    activate, denied."""
    plan = api.as_("sam").new_plan()
    api.as_("max").fire(plan["id"], "approve")
    api.as_("sam").edit(plan["id"], **plan_content())
    api.as_("sam").fire(plan["id"], "request_approval")
    api.as_("max").fire(plan["id"], "approve", comment="Agreed with Margaret")
    api.as_("max").fire(plan["id"], "activate")
    api.as_("sue").fire(plan["id"], "activate")
    events = api.as_("ada").get(f"/plans/{plan['id']}/audit").json["events"]
    assert [(e["seq"], e["action"], e["outcome"]) for e in events] == [
        (1, "transition", "blocked"), (2, "draft_saved", "recorded"),
        (3, "transition", "advanced"), (4, "transition", "advanced"),
        (5, "transition", "blocked"), (6, "transition", "denied")]
    return events


def tamper(database_url, *statements):
    engine = create_engine(database_url)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def verify(database_url):
    return run_cli("audit", "verify", database_url=database_url)


def test_an_intact_chain_verifies(database_url, trail):
    result = verify(database_url)
    assert result.returncode == 0, result.stderr
    assert "Audit chain intact: 6 events verified." in result.stdout


def test_each_event_links_to_the_one_before(trail):
    assert trail[0]["prev_hash"] == "0" * 64
    for earlier, later in zip(trail, trail[1:]):
        assert later["prev_hash"] == earlier["hash"]


def test_an_edited_event_is_named(database_url, trail):
    tamper(database_url, "UPDATE audit_events SET outcome = 'blocked' WHERE seq = 4")
    result = verify(database_url)
    assert result.returncode == 1
    assert ("BROKEN at event 4: event 4 was edited: column outcome says 'blocked' but the "
            "hashed record says 'advanced'") in result.stderr


def test_an_edited_record_body_is_named(database_url, trail):
    tamper(database_url, "UPDATE audit_events SET body = replace(body, 'Agreed with Margaret', "
                         "'Rubber-stamped') WHERE seq = 4")
    result = verify(database_url)
    assert result.returncode == 1
    assert "BROKEN at event 4: event 4 was edited after it was written" in result.stderr


def test_an_edited_filter_column_is_named_even_with_the_body_intact(database_url, trail):
    tamper(database_url, "UPDATE audit_events SET actor = 'mia' WHERE seq = 4")
    result = verify(database_url)
    assert result.returncode == 1
    assert ("BROKEN at event 4: event 4 was edited: column actor says 'mia' but the hashed "
            "record says 'max'") in result.stderr


def test_an_edited_change_event_is_named(database_url, trail):
    tamper(database_url, "UPDATE audit_events SET body = replace(body, 'saved', 'deleted') "
                         "WHERE seq = 2")
    result = verify(database_url)
    assert result.returncode == 1
    assert "BROKEN at event 2: event 2 was edited after it was written" in result.stderr


def test_an_edited_action_column_is_named(database_url, trail):
    tamper(database_url, "UPDATE audit_events SET action = 'transition' WHERE seq = 2")
    result = verify(database_url)
    assert result.returncode == 1
    assert ("BROKEN at event 2: event 2 was edited: column action says 'transition' but the "
            "hashed record says 'draft_saved'") in result.stderr


def test_a_deleted_event_is_named(database_url, trail):
    tamper(database_url, "DELETE FROM audit_events WHERE seq = 2")
    result = verify(database_url)
    assert result.returncode == 1 and "BROKEN at event 2: event 2 is missing" in result.stderr


def test_deleting_the_newest_events_is_caught(database_url, trail):
    tamper(database_url, "DELETE FROM audit_events WHERE seq >= 4")
    result = verify(database_url)
    assert result.returncode == 1 and "events were deleted from the end" in result.stderr


def test_reordered_events_are_named(database_url, trail):
    tamper(database_url,
           "UPDATE audit_events SET seq = 100 WHERE seq = 2",
           "UPDATE audit_events SET seq = 2 WHERE seq = 3",
           "UPDATE audit_events SET seq = 3 WHERE seq = 100")
    result = verify(database_url)
    assert result.returncode == 1 and "BROKEN at event 2" in result.stderr


def test_a_rehashed_edit_still_breaks_the_link_to_the_next_event(database_url, trail):
    tamper(database_url, "UPDATE audit_events SET hash = 'f' || substr(hash, 2) WHERE seq = 2")
    result = verify(database_url)
    assert result.returncode == 1 and "BROKEN at event 2" in result.stderr


def test_the_application_refuses_to_update_or_delete_audit_events(app, trail):
    from engine.core.models import AuditEvent, StateAssignmentError
    from web.extensions import db
    with app.app_context():
        event = db.session.get(AuditEvent, 1)
        event.outcome = "advanced"
        with pytest.raises(StateAssignmentError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEvent, 1))
        with pytest.raises(StateAssignmentError):
            db.session.commit()
