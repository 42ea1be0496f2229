"""The governance report's learning-loop sections (SPEC §10.4): incidents and the restrictive-
practice register of one service, each figure from its own GROUP BY query."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Optional

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from engine.care.incidents import KINDS, SEVERITIES
from engine.care.learning_models import Incident, Restriction
from engine.care.models import Person
from engine.core.models import Service

OPEN_PAST_DAYS = 14   # SPEC §10.4: "open past 14 days"
MONTHS = 12


def sections(session: Session, service: Service, today: date) -> dict[str, Any]:
    """`{incidents, restrictions}` for the service as of `today`."""
    return {"incidents": incident_figures(session, service.id, today),
            "restrictions": restriction_figures(session, service.id, today)}


def months_up_to(today: date, count: int = MONTHS) -> list[tuple[int, int]]:
    """(year, month) of the last `count` months, oldest first, this month last."""
    year, month, result = today.year, today.month, []
    for _ in range(count):
        result.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return result[::-1]


def _first_of(year: int, month: int) -> date:
    return date(year, month, 1)


def _end_of(year: int, month: int) -> date:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)


def _moment(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _label(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _share(part: int, whole: int) -> Optional[float]:
    return round(part / whole, 3) if whole else None


def incident_figures(session: Session, service_id: int, today: date) -> dict[str, Any]:
    """Incidents over the last 12 months by kind and severity and per month, those open past
    14 days, and the share closed with what was learned."""
    months = months_up_to(today)
    since = _moment(_first_of(*months[0]))
    in_window = (Incident.service_id == service_id, Incident.occurred_at >= since)
    pairs = session.execute(
        select(Incident.kind, Incident.severity, func.count())
        .where(*in_window).group_by(Incident.kind, Incident.severity)).all()
    by_kind = {kind: 0 for kind in KINDS}
    by_severity = {severity: 0 for severity in SEVERITIES}
    for kind, severity, count in pairs:
        by_kind[kind] = by_kind.get(kind, 0) + count
        by_severity[severity] = by_severity.get(severity, 0) + count
    year, month = extract("year", Incident.occurred_at), extract("month", Incident.occurred_at)
    monthly = {(int(y), int(m)): count for y, m, count in session.execute(
        select(year, month, func.count()).where(*in_window).group_by(year, month))}
    cutoff = _moment(today - timedelta(days=OPEN_PAST_DAYS))
    stale = session.execute(
        select(Incident.id, Person.name, Incident.kind, Incident.severity, Incident._state,
               Incident.created_at)
        .join(Person, Person.id == Incident.person_id)
        .where(Incident.service_id == service_id, Incident.closed_at.is_(None),
               Incident.created_at < cutoff)
        .order_by(Incident.created_at)).all()
    closed, learned = session.execute(
        select(func.count(Incident.closed_at),
               func.count(Incident.learning).filter(func.length(func.trim(Incident.learning)) > 0))
        .where(*in_window, Incident.closed_at.is_not(None))).one()
    return {
        "from": _first_of(*months[0]).isoformat(), "to": today.isoformat(),
        "total": sum(count for _, _, count in pairs),
        "by_kind": by_kind, "by_severity": by_severity,
        "by_kind_and_severity": [{"kind": kind, "severity": severity, "count": count}
                                 for kind, severity, count in sorted(pairs)],
        "per_month": [{"month": _label(y, m), "count": monthly.get((y, m), 0)}
                      for y, m in months],
        "open_past_14_days": {"count": len(stale), "incidents": [
            {"id": ident, "person": person, "kind": kind, "severity": severity,
             "state": state, "reported_on": created.date().isoformat()}
            for ident, person, kind, severity, state, created in stale]},
        "closed": closed, "closed_with_learning": learned,
        "closed_with_learning_share": _share(learned, closed),
    }


def restriction_figures(session: Session, service_id: int, today: date) -> dict[str, Any]:
    """The register's size now and at the end of each of the last 12 months, and the
    restrictions whose review is overdue."""
    months = months_up_to(today)
    ours = Restriction.service_id == service_id
    start_year = extract("year", Restriction.started_on)
    start_month = extract("month", Restriction.started_on)
    starts = {(int(y), int(m)): n for y, m, n in session.execute(
        select(start_year, start_month, func.count()).where(ours)
        .group_by(start_year, start_month))}
    end_year, end_month = extract("year", Restriction.ended_on), extract("month",
                                                                         Restriction.ended_on)
    ends = {(int(y), int(m)): n for y, m, n in session.execute(
        select(end_year, end_month, func.count()).where(ours, Restriction.ended_on.is_not(None))
        .group_by(end_year, end_month))}
    per_month = []
    for year, month in months:
        # In the register at the month's end: started by then and not ended by then.
        started = sum(n for key, n in starts.items() if key <= (year, month))
        ended = sum(n for key, n in ends.items() if key <= (year, month))
        per_month.append({"month": _label(year, month), "count": started - ended})
    now = session.scalar(select(func.count()).select_from(Restriction).where(
        ours, Restriction.ended_on.is_(None))) or 0
    overdue = session.execute(
        select(Restriction.id, Restriction.plan_id, Person.name, Restriction.description,
               Restriction.review_date)
        .join(Person, Person.id == Restriction.person_id)
        .where(ours, Restriction.ended_on.is_(None), Restriction.review_date < today)
        .order_by(Restriction.review_date)).all()
    decisions = dict(session.execute(
        select(Restriction.decision, func.count())
        .where(ours, Restriction.decision.is_not(None),
               Restriction.reviewed_at >= _moment(_first_of(*months[0])))
        .group_by(Restriction.decision)).all())
    return {
        "count_now": now, "per_month": per_month,
        "overdue_reviews": {"count": len(overdue), "restrictions": [
            {"id": ident, "plan_id": plan_id, "person": person, "description": description,
             "review_date": review.isoformat() if review else None}
            for ident, plan_id, person, description, review in overdue]},
        "latest_decisions": {decision: decisions.get(decision, 0)
                             for decision in ("keep", "reduce", "remove")},
    }
