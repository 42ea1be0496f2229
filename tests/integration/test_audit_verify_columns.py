"""`audit verify` compares the filter columns with the hashed bodies set-wise, in the database,
while it walks the hashes: whichever check finds the first broken event, that event is named,
exactly as before."""
import hashlib

from sqlalchemy import create_engine, text

from tests.integration.test_audit_chain import tamper, trail, verify  # noqa: F401  (fixture)


def rehash(database_url, seq: int, body_sql: str) -> None:
    """Replace event `seq`'s body and recompute its hash, every later link and the head: the
    chain verifies by hash alone."""
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE audit_events SET body = {body_sql} WHERE seq = :seq"),
                     {"seq": seq})
        rows = conn.execute(text("SELECT seq, body FROM audit_events WHERE seq >= :seq "
                                 "ORDER BY seq"), {"seq": seq}).all()
        prev = conn.scalar(text("SELECT hash FROM audit_events WHERE seq = :seq"),
                           {"seq": seq - 1}) or "0" * 64
        for number, body in rows:
            if number > seq:
                body = body.replace(f'"prev_hash":"{old_prev}"', f'"prev_hash":"{prev}"')
            digest = hashlib.sha256(body.encode()).hexdigest()
            old_prev = conn.scalar(text("SELECT hash FROM audit_events WHERE seq = :seq"),
                                   {"seq": number})
            conn.execute(text("UPDATE audit_events SET body = :body, hash = :hash, "
                              "prev_hash = :prev WHERE seq = :seq"),
                         {"body": body, "hash": digest, "prev": prev, "seq": number})
            prev = digest
        conn.execute(text("UPDATE audit_head SET hash = :hash"), {"hash": prev})
    engine.dispose()


def test_an_edited_time_column_is_named(database_url, trail):
    tamper(database_url, "UPDATE audit_events SET at = at - interval '1 day' WHERE seq = 3"
           if database_url.startswith("postgresql") else
           "UPDATE audit_events SET at = '2026-11-19 09:00:00.000000' WHERE seq = 3")
    result = verify(database_url)
    assert result.returncode == 1
    assert "BROKEN at event 3: event 3 was edited: column at says '2026-11-19T09:00:00" \
        in result.stderr


def test_an_edited_subject_column_is_named(database_url, trail):
    tamper(database_url, "UPDATE audit_events SET subject_id = 99 WHERE seq = 5")
    result = verify(database_url)
    assert result.returncode == 1
    assert ("BROKEN at event 5: event 5 was edited: column subject_id says 99 but the hashed "
            "record says 1") in result.stderr


def test_the_first_of_a_column_edit_and_a_later_hash_break_is_named(database_url, trail):
    tamper(database_url, "UPDATE audit_events SET service = 'northgate' WHERE seq = 2",
           "UPDATE audit_events SET hash = 'f' || substr(hash, 2) WHERE seq = 5")
    result = verify(database_url)
    assert result.returncode == 1
    assert "BROKEN at event 2: event 2 was edited: column service says 'northgate'" \
        in result.stderr
    assert "(1 events verified before it)" in result.stderr


def test_a_hash_break_before_a_column_edit_is_named_first(database_url, trail):
    tamper(database_url, "UPDATE audit_events SET actor = 'mia' WHERE seq = 5",
           "UPDATE audit_events SET body = replace(body, '\"seq\"\\:3', '\"seq\"\\: 3') "
           "WHERE seq = 3")
    result = verify(database_url)
    assert result.returncode == 1
    assert "BROKEN at event 3: event 3 was edited after it was written" in result.stderr


def test_a_body_that_is_not_json_is_named_even_rehashed(database_url, trail):
    rehash(database_url, 4, "'not a record'")
    result = verify(database_url)
    assert result.returncode == 1
    assert "BROKEN at event 4: event 4 was edited: its body is not a JSON record" \
        in result.stderr


def test_split_column_checks_name_the_first_edit_in_either_range(app, database_url, trail,
                                                                 monkeypatch):
    from engine.core import audit
    from web.extensions import db
    monkeypatch.setattr(audit._ColumnCheck, "PARTS", 2)
    monkeypatch.setattr(audit._ColumnCheck, "SPLIT_FROM", 1)
    tamper(database_url, "UPDATE audit_events SET actor = 'mia' WHERE seq = 5")
    with app.app_context():
        report = audit.verify_chain(db.session)
        db.session.remove()
    assert (report.ok, report.bad_seq, report.checked) == (False, 5, 4)
    tamper(database_url, "UPDATE audit_events SET outcome = 'advanced' WHERE seq = 1")
    with app.app_context():
        report = audit.verify_chain(db.session)
        db.session.remove()
    assert (report.ok, report.bad_seq) == (False, 1)
    assert report.problem.startswith("event 1 was edited: column outcome says 'advanced'")
