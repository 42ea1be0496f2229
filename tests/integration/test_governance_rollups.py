"""The governance report reads counters kept current by the writes that change them and asks the
database only for what it shows. These tests build two services' worth of plans through the
API — late entries, flagged and clean records, records judged under an older vocabulary,
reviews on time, late, started early and rewritten, a revised plan, refused attempts, a review
cycle written before cycles kept their due date — and compare every figure with the same
figures computed from scratch: plain Python over every row of the tables."""
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import select, update

from engine.care.governance import RATINGS, ReportPolicy, governance_report
from engine.care.language import CATEGORIES
from engine.care.models import (
    DailyRecord,
    Person,
    Plan,
    PlanVersion,
    Review,
    ReviewCycle,
)
from engine.care.records import TEXT_FIELDS
from engine.core.db import WRITE, begin_write
from engine.core.models import AuditEvent, Service, Timer
from tests.helpers import active_plan, plan_content, review_record
from tests.integration.test_governance import at, blocked_plans, record, reviewed_plan, tick
from web.extensions import db

SERVICES = ("riverside", "northgate")
DAYS = ("2027-01-13", "2027-02-02", "2027-03-20", "2028-01-21")
# The sections the rolled-up report computes in the database, compared one by one.
SECTIONS = ("review_timeliness", "overdue_reviews", "blocking_rules", "recording_quality",
            "outcome_progress", "plans_by_state")


# --- building the data through the public surface ------------------------------------------

def build_history(app, api, clock) -> None:
    # Plans made while their content's dates are still ahead.
    plan = active_plan(api)
    rewritten = active_plan(api)
    revised = active_plan(api, next_review_date="2027-01-10")
    blocked_plans(api)
    reviewed_plan(api, app, clock, completed_on="2027-01-20")             # on time
    reviewed_plan(api, app, clock, completed_on="2027-02-01")             # late
    early = reviewed_plan(api, app, clock, completed_on="2027-01-25",   # started early
                          started_on="2027-01-05")
    # A review written twice in its cycle: only the second counts.
    record(api, clock, rewritten["id"], "2026-12-05")
    record(api, clock, rewritten["id"], "2027-01-04", outcome_id="o2", prompts=0)
    tick(app, "2027-01-12T00:00")
    clock.set(at("2027-01-13T10:00"))
    ratings = [{"outcome_id": "o1", "rating": "no_change", "evidence": "Same as before"},
               {"outcome_id": "o2", "rating": "deteriorated", "evidence": "Missed two trips"}]
    assert api.as_("sam").post(f"/plans/{rewritten['id']}/reviews",
                               review_record(outcome_ratings=ratings)).status == 201
    assert api.as_("sam").post(f"/plans/{rewritten['id']}/reviews", review_record()).status \
        == 201
    assert api.as_("mia").fire(rewritten["id"], "complete_review").status == 200
    # A plan revised at its review: the approved version stays in force while drafted.
    record(api, clock, revised["id"], "2026-12-06", note="He refused his tea.")
    tick(app, "2027-01-10T00:00")
    clock.set(at("2027-01-14T10:00"))
    assert api.as_("sam").post(f"/plans/{revised['id']}/reviews",
                               review_record(decision="revise")).status == 201
    assert api.as_("sam").fire(revised["id"], "revise").status == 200
    # Records: flagged, clean, late entries, and one in another service.
    for day, fields, written in (
            ("2027-01-02", {"note": "She refused her lunch."}, "2027-01-02T18:00"),
            ("2027-01-03", {"support_provided": "Supported with breakfast."},
             "2027-01-09T12:00"),                                         # a late entry
            ("2027-01-04", {}, "2027-01-04T18:00"),
            ("2027-01-05", {}, "2027-01-08T09:00")):                        # a late entry
        clock.set(at(written))
        assert api.as_("sam").post(f"/plans/{plan['id']}/records", {
            **_record_fields(day), **fields}).status == 201
    other = api.as_("oli").new_plan(api.as_("oli").new_person("Kit Lowe", "northgate"),
                                    **plan_content(key_worker="oli"))
    assert other["id"]
    with app.app_context():
        begin_write(db.session)
        # A record judged under a vocabulary no longer in use: the report judges it again.
        version = db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan["id"]))
        db.session.add(DailyRecord(
            plan_id=plan["id"], version_number=version.number, outcome_id="o1",
            date=date(2027, 1, 6), observed_strength="Chose her own cardigan",
            support_provided="Supported with dressing.", independence_opportunity="Buttons",
            next_step="Try the buttons alone", prompts=1, completion="prompted",
            note="Non-compliant with the hob check", language_flags=[
                {"term": "deficit.refused", "category": "deficit", "field": "note"}],
            vocabulary="an-older-coach/0", author_id=version.approved_by_id,
            created_at=at("2027-01-06T18:00")))
        # A review cycle written before cycles kept the date they fell due.
        db.session.execute(update(ReviewCycle).where(ReviewCycle.plan_id == early)
                           .values(due_on=None))
        db.session.commit()


def _record_fields(day: str) -> dict:
    from tests.helpers import daily_record
    return daily_record(day=day)


# --- the same figures from scratch ----------------------------------------------------------

class Rows:
    """Every row of the tables the report reads, as plain dicts."""

    def __init__(self, session):
        def rows(model):
            return [dict(row._mapping) for row in session.execute(select(model.__table__))]
        self.services = {row["name"]: row for row in rows(Service)}
        self.plans = rows(Plan)
        self.people = {row["id"]: row for row in rows(Person)}
        self.versions = rows(PlanVersion)
        self.cycles = rows(ReviewCycle)
        self.reviews = rows(Review)
        self.records = rows(DailyRecord)
        self.timers = rows(Timer)
        self.events = rows(AuditEvent)


def from_scratch(rows: Rows, service: str, today: date, policy: ReportPolicy) -> dict:
    zone = policy.zone
    service_id = rows.services[service]["id"]
    plans = {plan["id"]: plan for plan in rows.plans if plan["service_id"] == service_id}
    return {
        "plans_by_state": {state: sum(1 for plan in plans.values() if plan["state"] == state)
                           for state in policy.states},
        "review_timeliness": _timeliness(rows, plans, today, policy, zone),
        "overdue_reviews": _overdue(rows, plans, today, policy, zone),
        "blocking_rules": _blocking(rows, service, policy.top_rules),
        "recording_quality": _quality(rows, plans, today, policy),
        "outcome_progress": _progress(rows, plans, policy),
    }


def _local(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _year_before(today: date) -> date:
    try:
        return today.replace(year=today.year - 1)
    except ValueError:
        return today.replace(year=today.year - 1, day=28)


def _share(part, whole):
    return round(part / whole, 3) if whole else None


def _timeliness(rows, plans, today, policy, zone):
    since = _year_before(today)
    start = datetime.combine(since, time.min, tzinfo=zone)
    reviews = []
    cycles = sorted((cycle for cycle in rows.cycles if cycle["plan_id"] in plans
                     and cycle["closed_by"] in policy.completing and cycle["closed_at"]
                     and cycle["closed_at"] >= start),
                    key=lambda cycle: (cycle["closed_at"], cycle["id"]))
    for cycle in cycles:
        closed_on = _local(cycle["closed_at"], zone)
        if closed_on > today:
            continue
        due_on = cycle["due_on"]
        if due_on is None:  # the timer set before the cycle opened, or the day it opened
            timers = sorted((timer for timer in rows.timers if timer["subject_type"] == "plan"
                             and timer["subject_id"] == cycle["plan_id"]
                             and timer["transition"] == "start_review"
                             and timer["created_at"] <= cycle["opened_at"]),
                            key=lambda timer: (timer["created_at"], timer["id"]))
            due_on = _local(cycle["opened_at"], zone)
            if timers:
                due_on = min(due_on, _local(timers[-1]["due_at"], zone))
        deadline = due_on + timedelta(days=policy.review_grace_days)
        plan = plans[cycle["plan_id"]]
        reviews.append({
            "plan_id": plan["id"], "person": rows.people[plan["person_id"]]["name"],
            "cycle": cycle["number"], "due_on": due_on.isoformat(),
            "deadline": deadline.isoformat(), "completed_on": closed_on.isoformat(),
            "completed_by": cycle["closed_by"], "on_time": closed_on <= deadline,
            "days_late": max(0, (closed_on - deadline).days)})
    on_time = sum(review["on_time"] for review in reviews)
    return {"from": since.isoformat(), "to": today.isoformat(),
            "grace_days": policy.review_grace_days, "completed": len(reviews),
            "on_time": on_time, "late": len(reviews) - on_time,
            "on_time_share": _share(on_time, len(reviews)), "reviews": reviews}


def _overdue(rows, plans, today, policy, zone):
    grace = timedelta(days=policy.review_grace_days)
    found = []

    def add(plan, due, reason):
        found.append({"plan_id": plan["id"], "person": rows.people[plan["person_id"]]["name"],
                      "state": plan["state"], "due_on": due.isoformat(),
                      "days_overdue": (today - due).days, "reason": reason})
    from engine.core.models import Task
    tasks = [dict(row._mapping) for row in db.session.execute(select(Task.__table__))]
    for plan in plans.values():
        if plan["state"] in policy.under_review:
            [cycle] = [cycle for cycle in rows.cycles
                       if cycle["plan_id"] == plan["id"] and cycle["closed_at"] is None]
            task_due = min((task["due"] for task in tasks if task["subject_type"] == "plan"
                            and task["subject_id"] == plan["id"]
                            and task["kind"] == "complete_review"
                            and task["status"] in ("open", "claimed")
                            and task["due"] and task["due"] < today), default=None)
            if cycle["due_on"] is not None and cycle["due_on"] + grace < today:
                add(plan, cycle["due_on"],
                    "the review fell due on this date and is past its deadline")
            elif task_due is not None:
                add(plan, task_due, "the review task is past its due date")
            continue
        revising = plan["state"] in policy.in_revision and plan["current_version"] is not None
        if plan["state"] not in policy.awaiting_review and not revising:
            continue
        version = next((version for version in rows.versions if version["plan_id"] == plan["id"]
                        and version["number"] == plan["current_version"]), None)
        written = version["content"].get("next_review_date") if version else None
        due = plan["next_review_on"] or (date.fromisoformat(written) if written else None)
        if due is not None and due < today:
            add(plan, due, "the review date has passed while a revision is drafted"
                if plan["state"] in policy.in_revision else
                "the review date has passed and no review has started")
    found.sort(key=lambda item: (item["due_on"], item["plan_id"]))
    return {"count": len(found), "plans": found}


def _blocking(rows, service, limit):
    counts, texts, attempts = Counter(), {}, 0
    for event in sorted(rows.events, key=lambda event: event["seq"]):
        if event["service"] != service or event["outcome"] != "blocked":
            continue
        attempts += 1
        for check in orjson.loads(event["body"]).get("checks") or []:
            if not check.get("passed"):
                counts[check["rule"]] += 1
                texts.setdefault(check["rule"], check.get("text") or "")
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return {"blocked_attempts": attempts, "rules": [
        {"rule": rule, "text": texts[rule], "count": count} for rule, count in ranked]}


def _quality(rows, plans, today, policy):
    vocabulary = policy.vocabulary
    since = today - timedelta(days=policy.recording_window_days - 1)
    records = [record for record in rows.records if record["plan_id"] in plans
               and since <= record["date"] <= today]
    terms, categories, by_category, flagged = Counter(), {}, Counter(), 0
    for record in records:
        flags = (record["language_flags"] if record["vocabulary"] == vocabulary.label else
                 vocabulary.flags({name: record[name] for name in TEXT_FIELDS}))
        flagged += bool(flags)
        for flag in {flag["term"]: flag for flag in flags}.values():
            terms[flag["term"]] += 1
            categories[flag["term"]] = flag.get("category", "")
        by_category.update({flag.get("category", "") for flag in flags})
    ranked = sorted(terms.items(), key=lambda item: (-item[1], item[0]))[:policy.top_terms]
    clean = len(records) - flagged
    return {"from": since.isoformat(), "to": today.isoformat(),
            "window_days": policy.recording_window_days, "vocabulary": vocabulary.label,
            "records": len(records), "clean": clean, "flagged": flagged,
            "clean_share": _share(clean, len(records)),
            "by_category": {category: by_category.get(category, 0)
                            for category in sorted(CATEGORIES)},
            "top_terms": [{"term": term, "category": categories[term], "records": count}
                          for term, count in ranked]}


def _progress(rows, plans, policy):
    cycles = {cycle["id"]: cycle for cycle in rows.cycles}
    latest = {}
    for review in rows.reviews:
        cycle = cycles[review["cycle_id"]]
        plan = plans.get(review["plan_id"])
        if plan is None or plan["state"] in policy.finished \
                or cycle["closed_by"] not in policy.completing:
            continue
        if review["plan_id"] not in latest or cycle["number"] > latest[review["plan_id"]][0]:
            latest[review["plan_id"]] = (cycle["number"], review["content"])
    ratings = Counter(rating["rating"] for _, content in latest.values()
                      for rating in content.get("outcome_ratings") or [])
    rated = sum(ratings.values())
    return {"plans_reviewed": len(latest), "outcomes_rated": rated,
            "ratings": {rating: ratings.get(rating, 0) for rating in RATINGS},
            "progressing_share": _share(ratings["achieved"] + ratings["progressing"], rated)}


# --- the comparison --------------------------------------------------------------------------

def test_the_rolled_up_report_equals_the_figures_computed_from_every_row(app, api, clock):
    build_history(app, api, clock)
    with app.app_context():
        policy = ReportPolicy.from_engine(app.extensions["strengthwise"])
        rows = Rows(db.session)
        seen = Counter()
        for service in SERVICES:
            for day in map(date.fromisoformat, DAYS):
                report = governance_report(db.session, service, day, policy)
                expected = from_scratch(rows, service, day, policy)
                for section in SECTIONS:
                    assert report[section] == expected[section], (service, day, section)
                figures = report["review_timeliness"], report["recording_quality"]
                seen.update({"late": figures[0]["late"], "on time": figures[0]["on_time"],
                             "flagged": figures[1]["flagged"], "clean": figures[1]["clean"],
                             "overdue": report["overdue_reviews"]["count"],
                             "blocked": report["blocking_rules"]["blocked_attempts"],
                             "rated": report["outcome_progress"]["outcomes_rated"]})
        db.session.remove()
    # The data exercises every figure compared (a comparison of empty figures proves nothing).
    assert all(seen[name] for name in ("late", "on time", "flagged", "clean", "overdue",
                                       "blocked", "rated")), seen


def test_the_counters_follow_each_write(app, api, clock):
    """The counters move with the writes: a second record, a rewritten review and another
    refused attempt each change the report at once, as the from-scratch figures do."""
    plan = active_plan(api)
    today = date(2026, 12, 10)
    with app.app_context():
        policy = ReportPolicy.from_engine(app.extensions["strengthwise"])
        before = governance_report(db.session, "riverside", today, policy)
        db.session.remove()
    record(api, clock, plan["id"], "2026-12-05", note="She refused her lunch.")
    blocked_plans(api)
    with app.app_context():
        after = governance_report(db.session, "riverside", today, policy)
        expected = from_scratch(Rows(db.session), "riverside", today, policy)
        db.session.remove()
    assert (before["recording_quality"]["flagged"], after["recording_quality"]["flagged"]) \
        == (0, 1)
    assert before["blocking_rules"]["blocked_attempts"] == 0
    assert after["blocking_rules"]["blocked_attempts"] == 3
    for section in SECTIONS:
        assert after[section] == expected[section], section


def test_the_migration_counts_what_was_written_before_the_counters(app, api, clock):
    """Migration 0012 counts existing rows once: dropped back to 0009 and upgraded again, the
    same history gives the same report."""
    from alembic import command

    from engine.schema import alembic_config
    build_history(app, api, clock)

    def reports():
        with app.app_context():
            policy = ReportPolicy.from_engine(app.extensions["strengthwise"])
            figures = {(service, day): governance_report(db.session, service,
                                                         date.fromisoformat(day), policy)
                       for service in SERVICES for day in DAYS}
            db.session.remove()
        return figures

    before = reports()
    with app.app_context():
        db.session.remove()
        for target in ("0009", "head"):
            # A writing transaction from BEGIN (SQLite): alembic reads its version first.
            with db.engine.connect().execution_options(**WRITE) as connection, \
                    connection.begin():
                getattr(command, "downgrade" if target == "0009" else "upgrade")(
                    alembic_config(connection), target)
        db.engine.dispose()
    assert reports() == before
