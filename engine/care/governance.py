"""The governance report of one service (SPEC §7): the figures a registered manager, a quality
lead or a commissioner reads to see whether strengths-based planning is kept up.

Each figure is one small function of the database; `governance_report` gathers them into one
JSON-ready dict (dates as ISO strings). Who may read it and for which services is decided here
too, so the pages, the API and any CLI apply one policy.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import (Date, DateTime, Integer, bindparam, func, literal_column, null, select,
                        type_coerce, union_all)
from sqlalchemy.orm import Session

from engine.care import learning_report
from engine.care.feedback_figures import feedback_figures
from engine.care.language import CATEGORIES, vocabulary_of
from engine.care.models import (
    Competency,
    DailyRecord,
    Person,
    Plan,
    PlanVersion,
    RecordTally,
    Review,
    ReviewCycle,
    ReviewRating,
    Supervision,
)
from engine.care.records import TEXT_FIELDS as RECORD_TEXT
from engine.core.access import Actor
from engine.core.errors import Forbidden, NotFound
from engine.core.models import (
    AuditEvent,
    BlockedRuleTally,
    Service,
    Task,
    Timer,
    User,
    user_services,
)
from engine.core.scope import in_services
from engine.core.tasks import OPEN_STATUSES

READERS = frozenset({"manager", "auditor", "admin"})
RATINGS = ("achieved", "progressing", "no_change", "deteriorated")
_ACTIVE_STAFF = (User.role == "staff", User.active.is_(True))


@dataclass(frozen=True)
class ReportPolicy:
    """What a report is computed under: settings from config.toml, and what the workflow
    definitions say their states mean (their tags), so no figure names a state itself."""

    states: tuple[str, ...]               # every state of the plan workflow, in order
    # Transitions that end a review cycle with a decision on a written review record (leaving
    # it by reinstating or closing abandons the review instead).
    completing: tuple[str, ...]
    awaiting_review: tuple[str, ...]      # a review date is pending (a timer will open it)
    under_review: tuple[str, ...]         # a review is open
    finished: tuple[str, ...]             # the plan's final states (closed)
    awaiting_session: tuple[str, ...]     # supervisions still to be held
    in_training: tuple[str, ...]          # competency states before sign-off
    competent: tuple[str, ...]
    refresher_due: tuple[str, ...]
    # A plan here with an approved version is being revised: that version stays in force.
    in_revision: tuple[str, ...] = ()
    review_grace_days: int = 14           # config review.review_task_due_days
    timezone: str = "Europe/London"       # config timezone: dates are the service's dates
    recording_window_days: int = 90
    top_rules: int = 10
    top_terms: int = 10
    vocabulary: Any = None                # the recording coach in use: what counts as flagged

    @classmethod
    def from_engine(cls, engine: Any, workflow: str = "support_plan") -> "ReportPolicy":
        settings, registry = engine.settings, engine.registry
        plans, supervision = registry.workflow(workflow), registry.workflow("supervision")
        competency = registry.workflow("competency")
        return cls(states=tuple(plans.states),
                   completing=plans.transitions_tagged("completes_review"),
                   awaiting_review=plans.states_tagged("awaiting_review"),
                   under_review=plans.states_tagged("under_review"),
                   in_revision=plans.states_tagged("in_revision"),
                   finished=plans.final_states,
                   awaiting_session=supervision.states_tagged("awaiting_session"),
                   in_training=competency.states_tagged("in_training"),
                   competent=competency.states_tagged("competent"),
                   refresher_due=competency.states_tagged("refresher_due"),
                   review_grace_days=settings["review.review_task_due_days"],
                   timezone=settings["timezone"], vocabulary=vocabulary_of(registry))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# --- who may read it -------------------------------------------------------------------------

def may_read(actor: Actor) -> bool:
    return actor.role in READERS


def require_reader(actor: Actor) -> None:
    if not may_read(actor):
        raise Forbidden("governance reports are for managers, auditors and admins")


def services_of(session: Session, actor: Actor) -> list[Service]:
    """The services the actor may report on, by name."""
    return list(session.scalars(select(Service).where(Service.name.in_(actor.services))
                                .order_by(Service.name)))


def service_in_scope(session: Session, actor: Actor, name: str) -> Service:
    """The named service if the actor belongs to it; otherwise it does not exist for them."""
    service = session.scalar(select(Service).where(Service.name == name))
    if service is None or not in_services(actor, service.name):
        raise NotFound(f"service {name!r} not found")
    return service


# --- the report ------------------------------------------------------------------------------

def governance_report(session: Session, service_name: str, today: date,
                      policy: ReportPolicy) -> dict[str, Any]:
    """Every governance figure of one service as of `today` (the service's local date).

    Raises NotFound for an unknown service; scope is the caller's business (service_in_scope).
    """
    service = session.scalar(select(Service).where(Service.name == service_name))
    if service is None:
        raise NotFound(f"service {service_name!r} not found")
    return {
        "service": {"name": service.name, "title": service.title},
        "as_of": today.isoformat(),
        "plans_by_state": plans_by_state(session, service.id, policy.states),
        "review_timeliness": review_timeliness(session, service.id, today, policy),
        "overdue_reviews": overdue_reviews(session, service.id, today, policy),
        "interim_support": interim_support(session, service.id),
        "tasks": task_figures(session, service.id, today),
        "blocking_rules": blocking_rules(session, service.name, policy.top_rules),
        "recording_quality": recording_quality(session, service.id, today,
                                               policy.recording_window_days, policy.top_terms,
                                               policy.vocabulary),
        "outcome_progress": outcome_progress(session, service.id, policy),
        "staff_practice": staff_practice(session, service, today, policy),
        # incidents, restrictions
        **learning_report.sections(session, service, today, policy.zone),
        "feedback": feedback_figures(session, service.id, today, _year_before(today)),
    }


def plans_by_state(session: Session, service_id: int,
                   states: Iterable[str]) -> dict[str, int]:
    """How many of the service's plans are in each state of the workflow (zeros included)."""
    counts = dict(session.execute(_PLANS_BY_STATE, {"service_id": service_id}).all())
    return {state: counts.get(state, 0) for state in states}


_PLANS_BY_STATE = (select(Plan._state, func.count())
                   .where(Plan.service_id == bindparam("service_id")).group_by(Plan._state))


def review_timeliness(session: Session, service_id: int, today: date,
                      policy: ReportPolicy) -> dict[str, Any]:
    """Reviews completed in the last 12 months, on time or late.

    A review is one review cycle (one stay in review_due) closed by complete_review,
    reduce_support or revise within the 12 months up to `today`. It fell due on the plan's
    review date when it opened (kept through reinstatements and increases, never the day
    someone started it). It is on time if it closed no later than `review_grace_days` (config
    review.review_task_due_days) after it fell due; otherwise it is late, by the days past
    that deadline. All dates are the service's local dates.

    One query reads only the columns shown; for a cycle written before cycles kept the date
    they fell due, a second one picks the review timer set before it opened.
    """
    zone, since = policy.zone, _year_before(today)
    grace = timedelta(days=policy.review_grace_days)
    connection = session.connection()  # Core rows: no ORM loading for thousands of them
    rows = connection.execute(_COMPLETED_REVIEWS, {
        "service_id": service_id, "completing": list(policy.completing),
        "since": _start_of(since, zone)}).all()
    legacy = _legacy_due_dates(connection, [row[6] for row in rows if row[5] is None], zone)
    reviews = []
    for plan_id, person, number, closed_at, closed_by, due_on, cycle_id in rows:
        assert closed_at is not None  # the query compares closed_at: NULLs never match
        closed_on = closed_at.replace(tzinfo=timezone.utc).astimezone(zone).date()
        if closed_on > today:
            continue
        if due_on is None:
            due_on = legacy[cycle_id]
        deadline = due_on + grace
        reviews.append({
            "plan_id": plan_id, "person": person, "cycle": number,
            "due_on": due_on.isoformat(), "deadline": deadline.isoformat(),
            "completed_on": closed_on.isoformat(), "completed_by": closed_by,
            "on_time": closed_on <= deadline, "days_late": max(0, (closed_on - deadline).days)})
    on_time = sum(1 for review in reviews if review["on_time"])
    return {"from": since.isoformat(), "to": today.isoformat(),
            "grace_days": policy.review_grace_days, "completed": len(reviews),
            "on_time": on_time, "late": len(reviews) - on_time,
            "on_time_share": _share(on_time, len(reviews)), "reviews": reviews}


_COMPLETED_REVIEWS = (
    select(Plan.id, Person.name, ReviewCycle.number,
           type_coerce(ReviewCycle.closed_at, DateTime()),  # naive UTC, made aware when read
           ReviewCycle.closed_by, ReviewCycle.due_on, ReviewCycle.id)
    .select_from(ReviewCycle)
    .join(Plan, ReviewCycle.plan_id == Plan.id).join(Person, Plan.person_id == Person.id)
    .where(Plan.service_id == bindparam("service_id"),
           ReviewCycle.closed_by.in_(bindparam("completing", expanding=True)),
           ReviewCycle.closed_at >= bindparam("since"))
    .order_by(ReviewCycle.closed_at, ReviewCycle.id))


def overdue_reviews(session: Session, service_id: int, today: date,
                    policy: ReportPolicy) -> dict[str, Any]:
    """Plans whose review is overdue: under review past the deadline of the date it fell due
    (or with the "complete the review" task past its due date), or in force (also while a
    revision is drafted) with the review date passed and no review started."""
    plans = _in_review_past_task_due(session, service_id, today, policy) + \
        _review_date_passed(session, service_id, today, policy)
    plans.sort(key=lambda item: (item["due_on"], item["plan_id"]))
    return {"count": len(plans), "plans": plans}


def interim_support(session: Session, service_id: int) -> dict[str, Any]:
    """Plans on interim support: extra support started by increase_support, awaiting review."""
    rows = session.execute(_INTERIM, {"service_id": service_id}).all()
    plans = [{"plan_id": plan_id, "person": person, "state": state, **interim}
             for plan_id, person, state, interim in rows if interim]
    return {"count": len(plans), "plans": plans}


_INTERIM = (select(Plan.id, Person.name, Plan._state, Plan.interim_support)
            .join(Person, Plan.person_id == Person.id)
            .where(Plan.service_id == bindparam("service_id"),
                   Plan.interim_support.is_not(None))  # ix_plans_interim holds these alone
            .order_by(Plan.id))


def task_figures(session: Session, service_id: int, today: date) -> dict[str, Any]:
    """Open (open or claimed) tasks of the service, and those past their due date, by kind."""
    rows = session.execute(_TASKS, {"service_id": service_id, "open": list(OPEN_STATUSES),
                                    "today": today}).all()
    by_kind = [{"kind": kind, "open": count, "overdue": overdue}
               for kind, count, overdue, _ in rows]
    return {"open": sum(entry["open"] for entry in by_kind),
            "overdue": sum(entry["overdue"] for entry in by_kind),
            "unassigned": sum(unassigned for *_, unassigned in rows),
            "by_kind": sorted(by_kind, key=lambda e: (-e["open"], e["kind"]))}


_TASKS = (
    select(Task.kind, func.count(), func.count().filter(Task.due < bindparam("today")),
           func.count().filter(Task.assignee_id.is_(None)))
    .where(Task.service_id == bindparam("service_id"),
           Task.status.in_(bindparam("open", expanding=True)))
    .group_by(Task.kind))


def blocking_rules(session: Session, service_name: str, limit: int = 10) -> dict[str, Any]:
    """The rules that most often refused a transition in the service, from the failed checks
    of its blocked audit events, most frequent first: counted as each blocked event is
    appended (blocked_rule_tallies), the attempts by an index on the events."""
    attempts = session.execute(_BLOCKED_ATTEMPTS, {"service": service_name}).scalar_one()
    ranked = session.execute(_BLOCKING_RULES, {"service": service_name, "limit": limit}).all()
    return {"blocked_attempts": attempts,
            "rules": [{"rule": rule, "text": text, "count": count}
                      for rule, text, count in ranked]}


_BLOCKED_ATTEMPTS = select(func.count()).select_from(AuditEvent).where(
    AuditEvent.service == bindparam("service"), AuditEvent.outcome == "blocked")
_BLOCKING_RULES = (
    select(BlockedRuleTally.rule, BlockedRuleTally.text, BlockedRuleTally.count)
    .where(BlockedRuleTally.service == bindparam("service"))
    .order_by(BlockedRuleTally.count.desc(), BlockedRuleTally.rule)
    .limit(bindparam("limit", type_=Integer)))


def recording_quality(session: Session, service_id: int, today: date, window_days: int = 90,
                      top: int = 10, vocabulary: Any = None) -> dict[str, Any]:
    """Daily records dated in the last `window_days` days (today included): how many, how many
    the recording coach flags, per category, and the terms most records were flagged for.

    Only what the coach in use now flags counts: a record judged under an older vocabulary is
    judged again (so a service is not marked down for what the coach no longer flags, such as
    clinical terms); a record judged under the current one keeps its stored flags. Both are
    summed from record_tallies (kept current by each record written); only records of an
    older vocabulary are read.
    """
    since = today - timedelta(days=window_days - 1)
    current = vocabulary.label if vocabulary is not None else None
    records = rejudge = flagged = 0
    terms: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    categories: dict[str, str] = {}
    for judged_under, kind, name, category, count in session.execute(_RECORD_TALLIES, {
            "service_id": service_id, "since": since, "today": today}):
        judged_now = current is None or judged_under == current
        if kind == "records":
            records += count
            rejudge += 0 if judged_now else count
        elif not judged_now:
            continue  # judged again below
        elif kind == "flagged":
            flagged += count
        elif kind == "term":
            terms[name] += count
            categories[name] = category
        elif kind == "category":
            by_category[name] += count
    if rejudge:
        for row in session.execute(
                select(*(getattr(DailyRecord, name) for name in RECORD_TEXT))
                .join(Plan, DailyRecord.plan_id == Plan.id)
                .where(Plan.service_id == service_id, DailyRecord.date >= since,
                       DailyRecord.date <= today, DailyRecord.vocabulary != current)):
            found = vocabulary.flags(dict(zip(RECORD_TEXT, row)))
            flagged += bool(found)
            for flag in {flag["term"]: flag for flag in found}.values():
                terms[flag["term"]] += 1
                categories[flag["term"]] = flag.get("category", "")
            by_category.update({flag.get("category", "") for flag in found})
    clean = records - flagged
    ranked = sorted(terms.items(), key=lambda item: (-item[1], item[0]))[:top]
    return {"from": since.isoformat(), "to": today.isoformat(), "window_days": window_days,
            "vocabulary": current, "records": records, "clean": clean, "flagged": flagged,
            "clean_share": _share(clean, records),
            "by_category": {category: by_category.get(category, 0)
                            for category in sorted(CATEGORIES)},
            "top_terms": [{"term": term, "category": categories[term], "records": count}
                          for term, count in ranked]}


_RECORD_TALLIES = (
    select(RecordTally.vocabulary, RecordTally.kind, RecordTally.name,
           func.max(RecordTally.category), func.sum(RecordTally.count))
    .where(RecordTally.service_id == bindparam("service_id"),
           RecordTally.date >= bindparam("since"), RecordTally.date <= bindparam("today"))
    .group_by(RecordTally.vocabulary, RecordTally.kind, RecordTally.name))


def outcome_progress(session: Session, service_id: int,
                     policy: ReportPolicy) -> dict[str, Any]:
    """The progress ratings of each open plan's latest completed review, counted by rating.
    The database picks each plan's latest completed review and sums its review_ratings (kept
    current whenever a review is written)."""
    reviewed: Optional[int] = None
    ratings: Counter[str] = Counter()
    # One statement: the latest reviews are picked once (a CTE read twice is materialised on
    # both backends), then counted (the row without a rating) and their ratings summed.
    for rating, count in session.execute(_OUTCOMES, {
            "service_id": service_id, "finished": list(policy.finished),
            "completing": list(policy.completing)}):
        if rating is None:
            reviewed = count
        else:
            ratings[rating] = count
    return {"plans_reviewed": reviewed or 0, "outcomes_rated": sum(ratings.values()),
            "ratings": {rating: ratings.get(rating, 0) for rating in RATINGS},
            "progressing_share": _share(ratings["achieved"] + ratings["progressing"],
                                        sum(ratings.values()))}


def _outcomes() -> Any:
    """Each open plan's latest completed review: how many there are (the row whose rating is
    NULL), and the sum of their ratings by rating."""
    latest = (
        select(Review.plan_id, func.max(ReviewCycle.number).label("number"))
        .join(ReviewCycle, Review.cycle_id == ReviewCycle.id)
        .join(Plan, Review.plan_id == Plan.id)
        .where(Plan.service_id == bindparam("service_id"),
               Plan._state.not_in(bindparam("finished", expanding=True)),
               ReviewCycle.closed_by.in_(bindparam("completing", expanding=True)))
        .group_by(Review.plan_id).cte("latest"))
    rated = (
        select(ReviewRating.rating, func.sum(ReviewRating.count)).select_from(latest)
        .join(ReviewCycle, (ReviewCycle.plan_id == latest.c.plan_id)
              & (ReviewCycle.number == latest.c.number))
        .join(Review, Review.cycle_id == ReviewCycle.id)
        .join(ReviewRating, ReviewRating.review_id == Review.id)
        .group_by(ReviewRating.rating))
    return union_all(select(null(), func.count()).select_from(latest), rated)


_OUTCOMES = _outcomes()


def staff_practice(session: Session, service: Service, today: date,
                   policy: ReportPolicy) -> dict[str, Any]:
    """Training and supervision of the service's active staff (role staff): how many are signed
    off as competent in strengths-based practice, in training or due a refresher; the
    service's supervisions by state, those still scheduled after their date, and the staff
    whose supervision was signed off in the last 12 months."""
    since = _year_before(today)
    ours = {"service_id": service.id}
    staff = session.execute(_STAFF, ours).scalar_one()
    competencies = dict(session.execute(_COMPETENCIES, ours).all())
    supervisions = dict(session.execute(_SUPERVISIONS, ours).all())
    overdue = session.execute(_SUPERVISIONS_OVERDUE, {
        **ours, "awaiting": list(policy.awaiting_session), "today": today}).scalar_one()
    signed_off = session.execute(_SIGNED_OFF, {
        "service": service.name, "since": _start_of(since, policy.zone)}).one()
    competent = sum(competencies.get(state, 0) for state in policy.competent)
    return {
        "staff": staff,
        "training": {"competent": competent,
                     "in_training": sum(competencies.get(s, 0) for s in policy.in_training),
                     "refresher_due": sum(competencies.get(s, 0)
                                          for s in policy.refresher_due),
                     "competent_share": _share(competent, staff)},
        "supervision": {"by_state": supervisions, "overdue": overdue,
                        "signed_off": signed_off[0], "staff_supervised": signed_off[1],
                        "supervised_share": _share(signed_off[1], staff),
                        "from": since.isoformat(), "to": today.isoformat()},
    }


_STAFF = (select(func.count()).select_from(User).join(user_services)
          .where(user_services.c.service_id == bindparam("service_id"), *_ACTIVE_STAFF))
_COMPETENCIES = (
    select(Competency._state, func.count(func.distinct(Competency.worker_id)))
    .join(User, Competency.worker_id == User.id)
    .where(Competency.service_id == bindparam("service_id"), *_ACTIVE_STAFF)
    .group_by(Competency._state))
_SUPERVISIONS = (select(Supervision._state, func.count())
                 .where(Supervision.service_id == bindparam("service_id"))
                 .group_by(Supervision._state))
_SUPERVISIONS_OVERDUE = select(func.count()).select_from(Supervision).where(
    Supervision.service_id == bindparam("service_id"),
    Supervision._state.in_(bindparam("awaiting", expanding=True)),
    Supervision.scheduled_for < bindparam("today"))
_SIGNED_OFF = (
    select(func.count(), func.count(func.distinct(Supervision.supervisee_id)))
    .select_from(AuditEvent)
    .join(Supervision, (AuditEvent.subject_type == "supervision")
          & (AuditEvent.subject_id == Supervision.id))
    .join(User, Supervision.supervisee_id == User.id)
    .where(AuditEvent.service == bindparam("service"), *_ACTIVE_STAFF,
           AuditEvent.transition == "sign_off", AuditEvent.outcome == "advanced",
           AuditEvent.at >= bindparam("since")))


# --- helpers ---------------------------------------------------------------------------------

def _in_review_past_task_due(session: Session, service_id: int, today: date,
                             policy: ReportPolicy) -> list[dict[str, Any]]:
    """Plans under review past their deadline: the date the open review fell due plus the
    grace days, or an open "complete the review" task past its due date, whichever is first."""
    connection = session.connection()
    under_review = {"service_id": service_id, "under_review": list(policy.under_review)}
    cycles = connection.execute(_OPEN_CYCLES, under_review).all()
    tasks = dict(connection.execute(_REVIEW_TASKS_PAST_DUE, {
        **under_review, "open": list(OPEN_STATUSES), "today": today}).all())
    overdue = []
    for plan_id, person, state, due_on in cycles:
        deadline = due_on + timedelta(days=policy.review_grace_days) if due_on else None
        task_due = tasks.get(plan_id)
        if due_on is not None and deadline is not None and deadline < today:
            overdue.append(_overdue(plan_id, person, state, due_on, today,
                                    "the review fell due on this date and is past its deadline"))
        elif task_due is not None:
            overdue.append(_overdue(plan_id, person, state, task_due, today,
                                    "the review task is past its due date"))
    return overdue


_UNDER_REVIEW = (Plan.service_id == bindparam("service_id"),
                 Plan._state.in_(bindparam("under_review", expanding=True)))
_OPEN_CYCLES = (
    select(Plan.id, Person.name, Plan._state, ReviewCycle.due_on)
    .join(Person, Plan.person_id == Person.id)
    .join(ReviewCycle, (ReviewCycle.plan_id == Plan.id) & ReviewCycle.closed_at.is_(None))
    .where(*_UNDER_REVIEW))
_REVIEW_TASKS_PAST_DUE = (
    select(Plan.id, func.min(Task.due))
    .join(Task, (Task.subject_type == "plan") & (Task.subject_id == Plan.id))
    .where(*_UNDER_REVIEW, Task.kind == "complete_review",
           Task.status.in_(bindparam("open", expanding=True)), Task.due < bindparam("today"))
    .group_by(Plan.id))


def _review_date_passed(session: Session, service_id: int, today: date,
                        policy: ReportPolicy) -> list[dict[str, Any]]:
    # The plan's own review date, else its version's (a column written with the version):
    # the database compares them with today, so only overdue plans are read.
    rows = session.connection().execute(_REVIEW_DATE_PASSED, {
        "service_id": service_id, "today": today,
        "awaiting_review": list(policy.awaiting_review),
        "in_revision": list(policy.in_revision)}).all()
    return [_overdue(plan_id, person, state, due_on, today,
                     "the review date has passed while a revision is drafted"
                     if state in policy.in_revision else
                     "the review date has passed and no review has started")
            for plan_id, person, state, due_on in rows]


def _review_date_passed_statement() -> Any:
    due = func.coalesce(Plan.next_review_on, PlanVersion.next_review_on)
    # The version's date is read from ix_plan_versions_review alone: matching its number as an
    # expression (+ 0) keeps SQLite from picking the unique (plan_id, number) index instead,
    # whose every lookup reads a whole version, content and all, for one date.
    return (
        select(Plan.id, Person.name, Plan._state, due).select_from(Plan)
        .outerjoin(PlanVersion, (PlanVersion.plan_id == Plan.id)
                   & (PlanVersion.number + literal_column("0") == Plan.current_version))
        .join(Person, Plan.person_id == Person.id)
        .where(Plan.service_id == bindparam("service_id"), due < bindparam("today", type_=Date),
               Plan._state.in_(bindparam("awaiting_review", expanding=True))
               | (Plan._state.in_(bindparam("in_revision", expanding=True))
                  & Plan.current_version.is_not(None))))


_REVIEW_DATE_PASSED = _review_date_passed_statement()


def _overdue(plan_id: int, person: str, state: str, due: date, today: date,
             reason: str) -> dict[str, Any]:
    return {"plan_id": plan_id, "person": person, "state": state, "due_on": due.isoformat(),
            "days_overdue": (today - due).days, "reason": reason}


def _legacy_due_dates(connection: Any, cycle_ids: list[int], zone: ZoneInfo) -> dict[int, date]:
    """When each of these cycles (written before cycles kept the date) fell due."""
    if not cycle_ids:
        return {}
    return {cycle_id: _fell_due_on(opened_at, timer_due, zone)
            for cycle_id, opened_at, timer_due in connection.execute(
                select(ReviewCycle.id, ReviewCycle.opened_at, _timer_due_before_opening())
                .where(ReviewCycle.id.in_(cycle_ids)))}


def _timer_due_before_opening() -> Any:
    """For a review cycle: when the plan's latest start_review timer set before the cycle
    opened was due (NULL when none was)."""
    return (select(Timer.due_at)
            .where(Timer.subject_type == "plan", Timer.subject_id == ReviewCycle.plan_id,
                   Timer.transition == "start_review", Timer.created_at <= ReviewCycle.opened_at)
            .order_by(Timer.created_at.desc(), Timer.id.desc()).limit(1)
            .correlate(ReviewCycle).scalar_subquery())


def _fell_due_on(opened_at: datetime, timer_due: Optional[datetime], zone: ZoneInfo) -> date:
    """The review date scheduled when the cycle opened (the timer set before it), or the day
    it opened if that was earlier."""
    opened_on = opened_at.astimezone(zone).date()
    if timer_due is None:
        return opened_on
    return min(opened_on, timer_due.astimezone(zone).date())


def _year_before(today: date) -> date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:
        return today.replace(year=today.year - 1, day=28)


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _share(part: int, whole: int) -> Optional[float]:
    return round(part / whole, 3) if whole else None
