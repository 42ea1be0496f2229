"""The governance report's learning-loop sections (SPEC §10.4): incidents and the restrictive-
practice register of one service, each figure from its own query. Months and days are the
service's (config `timezone`): an incident at 00:30 on 1 June in London is June's, though it is
still 31 May in UTC."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any, Optional

from sqlalchemy import bindparam, extract, func, select
from sqlalchemy.orm import Session

from engine.care.incidents import KINDS, SEVERITIES
from engine.care.learning_models import Incident, Restriction
from engine.care.models import Person
from engine.core.models import Service

OPEN_PAST_DAYS = 14   # SPEC §10.4: "open past 14 days"
MONTHS = 12


def sections(session: Session, service: Service, today: date,
             zone: tzinfo) -> dict[str, Any]:
    """`{incidents, restrictions}` for the service as of `today`, its date in `zone`."""
    return {"incidents": incident_figures(session, service.id, today, zone),
            "restrictions": restriction_figures(session, service.id, today, zone)}


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


def _moment(day: date, zone: tzinfo) -> datetime:
    """The start of `day` where the service is, in UTC (how moments are stored)."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(timezone.utc)


def _local(moment: datetime, zone: tzinfo) -> datetime:
    """A stored moment (UTC; naive from some drivers) where the service is."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(zone)


def _label(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _share(part: int, whole: int) -> Optional[float]:
    return round(part / whole, 3) if whole else None


def incident_figures(session: Session, service_id: int, today: date,
                     zone: tzinfo) -> dict[str, Any]:
    """Incidents over the last 12 months by kind and severity and per month, those open past
    14 days, and the share closed with what was learned; months and days in `zone`."""
    months = months_up_to(today)
    window = {"service_id": service_id, "since": _moment(_first_of(*months[0]), zone)}
    pairs = session.execute(_INCIDENT_PAIRS, window).all()
    by_kind = {kind: 0 for kind in KINDS}
    by_severity = {severity: 0 for severity in SEVERITIES}
    for kind, severity, count in pairs:
        by_kind[kind] = by_kind.get(kind, 0) + count
        by_severity[severity] = by_severity.get(severity, 0) + count
    # By the month where the service is, which SQL's EXTRACT (in UTC) would not give.
    monthly = Counter((local.year, local.month) for local in (
        _local(moment, zone) for moment in session.scalars(_INCIDENT_TIMES, window)))
    stale = session.execute(_INCIDENTS_STALE, {
        "service_id": service_id,
        "cutoff": _moment(today - timedelta(days=OPEN_PAST_DAYS), zone)}).all()
    closed, learned = session.execute(_INCIDENTS_CLOSED, window).one()
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
             "state": state, "reported_on": _local(created, zone).date().isoformat()}
            for ident, person, kind, severity, state, created in stale]},
        "closed": closed, "closed_with_learning": learned,
        "closed_with_learning_share": _share(learned, closed),
    }


# The statements, built once: each report binds its service and dates.
_IN_WINDOW = (Incident.service_id == bindparam("service_id"),
              Incident.occurred_at >= bindparam("since"))
_INCIDENT_PAIRS = (select(Incident.kind, Incident.severity, func.count())
                   .where(*_IN_WINDOW).group_by(Incident.kind, Incident.severity))
_INCIDENT_TIMES = select(Incident.occurred_at).where(*_IN_WINDOW)
_INCIDENTS_STALE = (
    select(Incident.id, Person.name, Incident.kind, Incident.severity, Incident._state,
           Incident.created_at)
    .join(Person, Person.id == Incident.person_id)
    .where(Incident.service_id == bindparam("service_id"), Incident.closed_at.is_(None),
           Incident.created_at < bindparam("cutoff"))
    .order_by(Incident.created_at))
_INCIDENTS_CLOSED = (
    select(func.count(Incident.closed_at),
           func.count(Incident.learning).filter(func.length(func.trim(Incident.learning)) > 0))
    .where(*_IN_WINDOW, Incident.closed_at.is_not(None)))


def restriction_figures(session: Session, service_id: int, today: date,
                        zone: tzinfo) -> dict[str, Any]:
    """The register's size now and at the end of each of the last 12 months, and the
    restrictions whose review is overdue."""
    months = months_up_to(today)
    ours = {"service_id": service_id}
    starts = {(int(y), int(m)): n for y, m, n in session.execute(_RESTRICTION_STARTS, ours)}
    ends = {(int(y), int(m)): n for y, m, n in session.execute(_RESTRICTION_ENDS, ours)}
    per_month = []
    for year, month in months:
        # In the register at the month's end: started by then and not ended by then.
        started = sum(n for key, n in starts.items() if key <= (year, month))
        ended = sum(n for key, n in ends.items() if key <= (year, month))
        per_month.append({"month": _label(year, month), "count": started - ended})
    now = session.execute(_RESTRICTIONS_NOW, ours).scalar_one() or 0
    overdue = session.execute(_RESTRICTIONS_OVERDUE, {**ours, "today": today}).all()
    decisions = dict(session.execute(_RESTRICTION_DECISIONS, {
        **ours, "since": _moment(_first_of(*months[0]), zone)}).all())
    return {
        "count_now": now, "per_month": per_month,
        "overdue_reviews": {"count": len(overdue), "restrictions": [
            {"id": ident, "plan_id": plan_id, "person": person, "description": description,
             "review_date": review.isoformat() if review else None}
            for ident, plan_id, person, description, review in overdue]},
        "latest_decisions": {decision: decisions.get(decision, 0)
                             for decision in ("keep", "reduce", "remove")},
    }


_OURS = Restriction.service_id == bindparam("service_id")
_STARTED = extract("year", Restriction.started_on), extract("month", Restriction.started_on)
_RESTRICTION_STARTS = select(*_STARTED, func.count()).where(_OURS).group_by(*_STARTED)
_ENDED = extract("year", Restriction.ended_on), extract("month", Restriction.ended_on)
_RESTRICTION_ENDS = (select(*_ENDED, func.count())
                     .where(_OURS, Restriction.ended_on.is_not(None)).group_by(*_ENDED))
_RESTRICTIONS_NOW = select(func.count()).select_from(Restriction).where(
    _OURS, Restriction.ended_on.is_(None))
_RESTRICTIONS_OVERDUE = (
    select(Restriction.id, Restriction.plan_id, Person.name, Restriction.description,
           Restriction.review_date)
    .join(Person, Person.id == Restriction.person_id)
    .where(_OURS, Restriction.ended_on.is_(None),
           Restriction.review_date < bindparam("today"))
    .order_by(Restriction.review_date))
_RESTRICTION_DECISIONS = (
    select(Restriction.decision, func.count())
    .where(_OURS, Restriction.decision.is_not(None),
           Restriction.reviewed_at >= bindparam("since"))
    .group_by(Restriction.decision))
