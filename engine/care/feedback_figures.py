"""The feedback section of the governance report (SPEC §10.4): what people and families said
in the last 12 months, by kind and by source, and how complaints were answered — acknowledged
and responded to on time, late, or still overdue. Each figure is a GROUP BY in the database."""
from __future__ import annotations

from datetime import date
from typing import Any, Optional

from sqlalchemy import and_, bindparam, case, func, select
from sqlalchemy.orm import Session

from engine.care.feedback import FINDINGS, KINDS, SOURCES
from engine.care.models import Feedback, Person


def feedback_figures(session: Session, service_id: int, today: date,
                     since: date) -> dict[str, Any]:
    """Feedback received from `since` to `today` (the service's dates), and its complaints."""
    window = {"service_id": service_id, "since": since, "today": today}
    pairs = session.execute(_PAIRS, window).all()
    by_kind = {kind: 0 for kind in KINDS}
    by_source = {source: 0 for source in SOURCES}
    for kind, source, count in pairs:
        by_kind[kind] = by_kind.get(kind, 0) + count
        by_source[source] = by_source.get(source, 0) + count
    return {"from": since.isoformat(), "to": today.isoformat(),
            "received": sum(by_kind.values()), "by_kind": by_kind, "by_source": by_source,
            "by_kind_and_source": [{"kind": kind, "source": source, "count": count}
                                   for kind, source, count in sorted(pairs)],
            "complaints": complaint_figures(session, window),
            "overdue_complaints": overdue_complaints(session, service_id, today)}


def complaint_figures(session: Session, window: dict[str, Any]) -> dict[str, Any]:
    """The window's complaints (`window`: service_id, since and today): how many were
    acknowledged and responded to on time (by the deadline fixed when each was received), late,
    or not yet and past the deadline; how many are still open; the findings of those
    answered."""
    row = session.execute(_COMPLAINTS, window).one()
    (received, ack_on_time, ack_late, ack_overdue, resp_on_time, resp_late, resp_overdue,
     closed) = (int(value) for value in row)
    findings: dict[Any, int] = dict(session.execute(_FINDINGS, window).all())
    return {
        "received": received, "open": received - closed, "closed": closed,
        "acknowledged": ack_on_time + ack_late, "acknowledged_on_time": ack_on_time,
        "acknowledged_late": ack_late, "acknowledgement_overdue": ack_overdue,
        # Of the complaints whose deadline has come (answered, or past it unanswered).
        "acknowledged_on_time_share": _share(ack_on_time, ack_on_time + ack_late + ack_overdue),
        "responded": resp_on_time + resp_late, "responded_on_time": resp_on_time,
        "responded_late": resp_late, "response_overdue": resp_overdue,
        "responded_on_time_share": _share(resp_on_time, resp_on_time + resp_late + resp_overdue),
        "findings": {name: findings.get(name, 0) for name in FINDINGS},
    }


def overdue_complaints(session: Session, service_id: int, today: date) -> list[dict[str, Any]]:
    """Complaints of the service, received at any time, past a deadline still unmet today."""
    rows = session.execute(_OVERDUE, {"service_id": service_id, "today": today}).all()
    overdue = []
    for ident, person, state, received_on, ack_by, respond_by, acknowledged_on in rows:
        waiting, deadline = ("acknowledgement", ack_by) if acknowledged_on is None \
            else ("response", respond_by)
        assert deadline is not None  # the query compares it with today: NULLs never match
        overdue.append({"feedback_id": ident, "person": person, "state": state,
                        "received_on": received_on.isoformat(), "waiting_for": waiting,
                        "due_on": deadline.isoformat(), "days_overdue": (today - deadline).days})
    return overdue


# The statements, built once: each report binds its service and dates.
_WINDOW = (Feedback.service_id == bindparam("service_id"),
           Feedback.received_on >= bindparam("since"),
           Feedback.received_on <= bindparam("today"))
_PAIRS = (select(Feedback.kind, Feedback.source, func.count())
          .where(*_WINDOW).group_by(Feedback.kind, Feedback.source))
_COMPLAINT = (*_WINDOW, Feedback.kind == "complaint")
_LATE_ACK = and_(Feedback.acknowledged_on.is_(None),
                 Feedback.acknowledge_by < bindparam("today"))
_LATE_RESPONSE = and_(Feedback.responded_on.is_(None),
                      Feedback.respond_by < bindparam("today"))


def _counted(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


_COMPLAINTS = select(
    func.count(),
    _counted(Feedback.acknowledged_on <= Feedback.acknowledge_by),
    _counted(Feedback.acknowledged_on > Feedback.acknowledge_by),
    _counted(_LATE_ACK),
    _counted(Feedback.responded_on <= Feedback.respond_by),
    _counted(Feedback.responded_on > Feedback.respond_by),
    _counted(_LATE_RESPONSE),
    _counted(Feedback.closed_on.is_not(None)),
).where(*_COMPLAINT)
_FINDING = Feedback.response["finding"].as_string()
_FINDINGS = (select(_FINDING, func.count())
             .where(*_COMPLAINT, Feedback.responded_on.is_not(None)).group_by(_FINDING))
_OVERDUE = (
    select(Feedback.id, Person.name, Feedback._state, Feedback.received_on,
           Feedback.acknowledge_by, Feedback.respond_by, Feedback.acknowledged_on)
    .join(Person, Feedback.person_id == Person.id)
    .where(Feedback.service_id == bindparam("service_id"), Feedback.kind == "complaint",
           _LATE_ACK | _LATE_RESPONSE)
    .order_by(Feedback.received_on, Feedback.id))


def _share(part: int, whole: int) -> Optional[float]:
    return round(part / whole, 3) if whole else None
