"""governance rollups

The governance report sums counters kept current by the writes that change them instead of
decoding stored JSON: record_tallies (daily records per service, date and vocabulary: all,
flagged, per term, per category; added to with each record), review_ratings (each review's
ratings; rewritten with the review), blocked_rule_tallies (failed checks of blocked audit events
per service and rule; added to as each is appended), and plan_versions.next_review_on (the
content's review date, written with the version). Existing rows are counted here once.

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-02 02:40:00
"""
from collections import Counter
from datetime import date
import json

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

CHUNK = 5000


def upgrade() -> None:
    op.create_table(
        'record_tallies',
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('vocabulary', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('category', sa.String(length=60), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['service_id'], ['services.id'],
                                name=op.f('fk_record_tallies_service_id_services')),
        sa.PrimaryKeyConstraint('service_id', 'date', 'vocabulary', 'kind', 'name',
                                name=op.f('pk_record_tallies')))
    op.create_table(
        'review_ratings',
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('rating', sa.String(length=40), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['review_id'], ['reviews.id'],
                                name=op.f('fk_review_ratings_review_id_reviews'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('review_id', 'rating', name=op.f('pk_review_ratings')))
    op.create_table(
        'blocked_rule_tallies',
        sa.Column('service', sa.String(length=80), nullable=False),
        sa.Column('rule', sa.String(length=120), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('service', 'rule', name=op.f('pk_blocked_rule_tallies')))
    op.create_index('ix_audit_events_outcome', 'audit_events',
                    ['service', 'outcome', 'transition'])
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_review_on', sa.Date(), nullable=True))
    connection = op.get_bind()
    _count_records(connection)
    _count_ratings(connection)
    _count_blocked(connection)
    _date_versions(connection)


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _insert(connection, table, rows) -> None:
    for start in range(0, len(rows), CHUNK):
        connection.execute(table.insert(), rows[start:start + CHUNK])


def _count_records(connection) -> None:
    counts: Counter = Counter()
    categories = {}
    for service_id, day, vocabulary, flags in connection.execute(sa.text(
            "SELECT plans.service_id, daily_records.date, daily_records.vocabulary, "
            "daily_records.language_flags FROM daily_records "
            "JOIN plans ON plans.id = daily_records.plan_id")):
        if isinstance(day, str):
            day = date.fromisoformat(day)
        flags = _json(flags) or []
        key = (service_id, day, vocabulary)
        counts[(*key, "records", "")] += 1
        if flags:
            counts[(*key, "flagged", "")] += 1
            terms = {flag["term"]: flag.get("category") or "" for flag in flags}
            for term, category in terms.items():
                counts[(*key, "term", term)] += 1
                categories[(*key, "term", term)] = category
            for category in {flag.get("category") or "" for flag in flags}:
                counts[(*key, "category", category)] += 1
    table = sa.table('record_tallies', sa.column('date', sa.Date()), *(
        sa.column(name) for name in ('service_id', 'vocabulary', 'kind', 'name', 'category',
                                     'count')))
    _insert(connection, table, [
        {"service_id": key[0], "date": key[1], "vocabulary": key[2], "kind": key[3],
         "name": key[4], "category": categories.get(key, ""), "count": count}
        for key, count in counts.items()])


def _count_ratings(connection) -> None:
    rows = []
    for review_id, content in connection.execute(sa.text("SELECT id, content FROM reviews")):
        counts = Counter(rating["rating"]
                         for rating in (_json(content) or {}).get("outcome_ratings") or [])
        rows += [{"review_id": review_id, "rating": rating, "count": count}
                 for rating, count in counts.items()]
    _insert(connection, sa.table('review_ratings', sa.column('review_id'),
                                 sa.column('rating'), sa.column('count')), rows)


def _count_blocked(connection) -> None:
    counts: Counter = Counter()
    texts = {}
    for (body,) in connection.execute(sa.text(
            "SELECT body FROM audit_events WHERE outcome = 'blocked' ORDER BY seq")):
        content = json.loads(body)
        for check in content.get("checks") or []:
            if not check.get("passed"):
                key = (content.get("service") or "", check["rule"])
                counts[key] += 1
                texts.setdefault(key, check.get("text") or "")
    _insert(connection, sa.table('blocked_rule_tallies', sa.column('service'),
                                 sa.column('rule'), sa.column('text'), sa.column('count')),
            [{"service": key[0], "rule": key[1], "text": texts[key], "count": count}
             for key, count in counts.items()])


def _date_versions(connection) -> None:
    dates = []
    for version_id, content in connection.execute(sa.text(
            "SELECT id, content FROM plan_versions")):
        value = (_json(content) or {}).get("next_review_date")
        try:
            due = date.fromisoformat(value) if isinstance(value, str) and value else None
        except ValueError:
            due = None
        if due is not None:
            dates.append({"version_id": version_id, "due": due})
    versions = sa.table('plan_versions', sa.column('id'), sa.column('next_review_on', sa.Date()))
    if dates:
        connection.execute(versions.update().where(versions.c.id == sa.bindparam("version_id"))
                           .values(next_review_on=sa.bindparam("due")), dates)


def downgrade() -> None:
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.drop_column('next_review_on')
    op.drop_index('ix_audit_events_outcome', table_name='audit_events')
    op.drop_table('blocked_rule_tallies')
    op.drop_table('review_ratings')
    op.drop_table('record_tallies')
