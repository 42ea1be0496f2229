"""In-memory stand-ins for the snapshots the rule checks read, and `judge`, which runs one rule
of a shipped pack on a stand-in the way the engine does. No app, no database, no session.

Each stand-in exposes only attributes its production counterpart has (PlanSnapshot,
SupervisionSnapshot, CompetencySnapshot, QualityContext, and the models they hand out);
test_checks_tally.py holds them to that.
"""
from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any, Mapping

from engine.core.access import Actor
from engine.core.rules import CHECKS, Rule, RuleContext, load_checks, read_pack
from engine.core.settings import load_settings
from tests import helpers

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
# config.toml as shipped: the environment must not change what these tests expect.
SETTINGS = load_settings(ROOT / "config.toml", environ={})

# The checks the tests ran, by registered name (test_checks_tally.py compares it with CHECKS).
EXERCISED: set[str] = set()


# --- the shipped packs, and running one of their rules ------------------------------------

@cache
def rule_packs() -> dict[str, Any]:
    """Every rule pack in rules/ by name (packs of other kinds, such as vocabularies, skipped)."""
    load_checks(SETTINGS["definitions.checks"])
    packs, problems = {}, []
    for path in sorted(SETTINGS.path("definitions.rules").glob("*.toml")):
        head = tomllib.loads(path.read_text(encoding="utf-8")).get("pack", {})
        if head.get("kind") not in (None, "rules"):
            continue
        pack = read_pack(path, problems)
        if pack is not None:
            packs[pack.name] = pack
    if problems:
        raise AssertionError("; ".join(problems))
    return packs


@cache
def rules() -> dict[str, Rule]:
    """Every rule of every pack, by its id."""
    found: dict[str, Rule] = {}
    for pack in rule_packs().values():
        for rule_id, rule in pack.rules.items():
            if rule_id in found:
                raise AssertionError(f"rule id {rule_id} is in two packs")
            found[rule_id] = rule
    return found


def params(rule_id: str) -> dict[str, Any]:
    """The parameters the pack gives the rule, with config references resolved."""
    return rules()[rule_id].resolved_params(SETTINGS)


def judge(rule_id: str, subject: Any, *, actor: Actor | None = None, today: date = TODAY,
          inputs: Mapping[str, Any] | None = None) -> list:
    """What the rule's check finds missing, called as the engine calls it."""
    rule = rules()[rule_id]
    context = RuleContext(subject=subject, actor=actor, now=NOW, today=today,
                          inputs=dict(inputs or {}), params=params(rule_id))
    EXERCISED.add(rule.check)
    return CHECKS[rule.check].func(context)


# --- people -----------------------------------------------------------------------------

def actor(username: str = "max", role: str = "manager") -> Actor:
    return Actor(user_id=None, username=username, role=role, services=frozenset({"riverside"}))


def user(username: str, role: str = "staff", services: tuple[str, ...] = ("riverside",),
         active: bool = True) -> dict[str, Any]:
    """A user as PlanSnapshot.key_worker describes one."""
    return {"username": username, "role": role, "active": active, "services": set(services)}


@dataclass
class UserRow:
    """A User row, as far as the checks read one."""

    username: str


# --- plans, daily records, reviews --------------------------------------------------------

# The same content the integration tests build plans from: one builder, one plan.
plan_content = helpers.plan_content

def changed(items: list[dict], item_id: str, **fields: Any) -> list[dict]:
    """The list with the item of that id changed."""
    return [{**item, **fields} if item["id"] == item_id else item for item in items]


def restriction(item_id: str = "r2", **fields: Any) -> dict[str, Any]:
    """A restrictive risk, complete, justified and reviewed by the plan's next review."""
    return {"id": item_id, "description": "Leaves the house alone at night",
            "why_proportionate": "Door sensor only; she goes out freely by day",
            "monitoring": "Sensor alerts", "escalation": "Two alerts in a week: best-interests "
            "meeting", "restrictive": True,
            "justification": "Best-interests decision 2026-11-10", "review_date": "2027-01-12",
            **fields}


@dataclass
class DailyRecordStandIn:
    """A DailyRecord, as far as the checks read one."""

    prompts: int = 1
    date: date = TODAY
    completion: str = "with_prompts"
    outcome_id: str = "o1"
    id: int = 1
    plan_id: int = 7
    author: UserRow = field(default_factory=lambda: UserRow("sam"))
    language_flags: list[dict[str, Any]] = field(default_factory=list)
    late_entry: bool = False


def daily_record(**fields: Any) -> DailyRecordStandIn:
    return DailyRecordStandIn(**fields)


def daily_records(outcome_id: str, *prompts: int, first: date = date(2026, 10, 1)):
    """One record a day from `first`, oldest first, with these prompt counts."""
    return [DailyRecordStandIn(prompts=count, date=first + timedelta(days=day),
                               outcome_id=outcome_id, id=day + 1)
            for day, count in enumerate(prompts)]


def review_record(**overrides: Any) -> dict[str, Any]:
    """A review record of `plan_content()` that passes every review.* rule."""
    review = {
        "improved": "Makes toast without prompts most days",
        "less_support": "Butters toast and pours her tea",
        "new_strengths": "Jo noticed she plans the shopping list",
        "reduce_safely": "Morning coaching could drop to five hours",
        "matters_most": "Cooking for her grandson on Sundays",
        "person_involved": "Ann chaired the review in her kitchen",
        "involvement": {"took_part": True, "how": "in_person",
                        "views": "I want to cook for my grandson on Sundays.",
                        "sought_otherwise": None, "advocate_present": False,
                        "family_present": True},
        "outcome_ratings": [
            {"outcome_id": "o1", "rating": "progressing", "evidence": "Prompts fell from 4 to 1"},
            {"outcome_id": "o2", "rating": "achieved", "evidence": "Meal plan every Sunday"}],
        "risks_reviewed": ["r1"],
        "decision": "continue",
        "next_review_date": "2027-06-01",
        "proposed_hours_per_week": None, "proposed_actions": [], "reduced_outcome_ids": [],
        "reassessment": {"monitoring": None, "reinstate_when": None},
        "person_agrees": None,
        "agreement": None,
    }
    review.update(copy.deepcopy(overrides))
    return review


def reduction(**overrides: Any) -> dict[str, Any]:
    """A review record that passes every reduce.* rule: a1 (outcome o1) cut from 7 to 5 hours."""
    return review_record(**{
        "decision": "reduce_support", "proposed_hours_per_week": 8,
        "proposed_actions": [{"id": "a1", "hours_per_week": 5}], "reduced_outcome_ids": ["o1"],
        "reassessment": {"monitoring": "Spills and any missed breakfast",
                         "reinstate_when": "Two missed breakfasts in a week"},
        "person_agrees": True,
        "agreement": {"decision": "agrees", "best_interests_record": None}, **overrides})


@dataclass
class PlanStandIn:
    """What PlanSnapshot gives the plan.*, review.* and reduce.* checks."""

    content: dict[str, Any]
    current_content: dict[str, Any] | None
    editors: list[str]
    acknowledged_by: set[str]
    key_worker: dict[str, Any] | None
    service: str
    person: str
    current_version: int | None
    has_approved_version: bool
    next_review_on: date | None
    review: dict[str, Any] | None
    review_author: str | None
    evidence_since: date | None
    records: dict[str, list[DailyRecordStandIn]]
    managers: list[str]


_UNSET: Any = object()


def plan_snapshot(content: dict[str, Any] | None = None, *,
                  current_content: dict[str, Any] | None = _UNSET,
                  editors: tuple[str, ...] = ("sam",), acknowledged_by: tuple[str, ...] = (),
                  key_worker: dict[str, Any] | None = _UNSET, service: str = "riverside",
                  person: str = "Ann Smith", current_version: int | None = None,
                  next_review_on: date | None = None,
                  review: dict[str, Any] | None = None, review_author: str | None = "sam",
                  evidence_since: date | None = None,
                  records: Mapping[str, list[DailyRecordStandIn]] | None = None,
                  managers: tuple[str, ...] = ("max", "mia")) -> PlanStandIn:
    """A plan whose content (draft or version in force) is `content`; the version in force is
    the same content unless `current_content` is given; the key worker is the user the content
    names, a member of staff in the plan's service, unless `key_worker` is given."""
    content = plan_content() if content is None else content
    if key_worker is _UNSET:
        name = content.get("key_worker")
        key_worker = user(name, services=(service,)) if name else None
    return PlanStandIn(
        content=content,
        current_content=copy.deepcopy(content) if current_content is _UNSET else current_content,
        editors=list(editors), acknowledged_by=set(acknowledged_by), key_worker=key_worker,
        service=service, person=person, current_version=current_version,
        has_approved_version=current_version is not None, next_review_on=next_review_on,
        review=review, review_author=review_author if review is not None else None,
        evidence_since=evidence_since, records=dict(records or {}), managers=list(managers))


def evidenced(**outcomes: tuple[int, ...]) -> dict[str, list[DailyRecordStandIn]]:
    """Daily records per outcome: evidenced(o1=(4, 3, 2)) is three records for o1."""
    return {outcome_id: daily_records(outcome_id, *prompts)
            for outcome_id, prompts in outcomes.items()}


# --- supervision and competency ----------------------------------------------------------

@dataclass
class PlanRow:
    """A Plan row, as far as the checks read one."""

    id: int = 7
    state: str = "active"
    next_review_on: date | None = None
    service_id: int = 1
    person: Any = None


@dataclass
class PersonRow:
    name: str


def plan_row(id: int = 7, *, state: str = "active", next_review_on: date | None = None,
             service_id: int = 1, person: str = "Ann Smith") -> PlanRow:
    return PlanRow(id=id, state=state, next_review_on=next_review_on, service_id=service_id,
                   person=PersonRow(person))


def supervision_record(**overrides: Any) -> dict[str, Any]:
    """A supervision record with every field and prompt, linked to outcome o1 of plan 7."""
    record = {
        "observed_strength": "Waited for Ann to choose the next step",
        "support_provided": "Talked through how to fade prompts",
        "independence_opportunity": "Ann could pour her own tea",
        "outcome_link": {"plan_id": 7, "outcome_id": "o1"},
        "next_step": "Try one prompt fewer each week",
        "prompts": {
            "strengths_identified": "From Ann's routine",
            "deficit_drift": "Notes said 'refused'; now 'chose not to'",
            "risk_balance": "Kettle kept, one-cup kettle bought",
            "support_reduction": "Morning visit could be shorter",
            "outcomes_changed": "Makes her own breakfast most days",
            "learning_to_share": "Pause before prompting"},
    }
    record.update(copy.deepcopy(overrides))
    return record


@dataclass
class SupervisionStandIn:
    """What SupervisionSnapshot gives the supervision.* checks."""

    record: dict[str, Any] | None
    supervisee: str
    period: tuple[date, date]
    linked: dict[str, Any]


def linked_facts(record: dict[str, Any] | None, *, plan: Any = _UNSET,
                 outcome: dict[str, Any] | None = _UNSET, supports: bool = True,
                 records: list[DailyRecordStandIn] | None = None) -> dict[str, Any]:
    """What SupervisionSnapshot.linked finds for the record's outcome link: by default the plan
    it names, that plan's outcome o1, support by the supervisee, and one daily record."""
    link = (record or {}).get("outcome_link") or {}
    return {"plan": plan_row(link.get("plan_id", 7)) if plan is _UNSET else plan,
            "outcome": plan_content()["outcomes"][0] if outcome is _UNSET else outcome,
            "records": [daily_record()] if records is None else records,
            "supports": supports, "link": link}


def supervision_snapshot(record: dict[str, Any] | None = _UNSET, *, supervisee: str = "sam",
                         period: tuple[date, date] = (TODAY - timedelta(days=42), TODAY),
                         **facts: Any) -> SupervisionStandIn:
    record = supervision_record() if record is _UNSET else record
    return SupervisionStandIn(record=record, supervisee=supervisee, period=period,
                              linked=linked_facts(record, **facts))


def training_record(**overrides: Any) -> dict[str, Any]:
    return {"completed_on": "2026-11-02", "learning_outcomes": "Can name three of Ann's "
            "strengths and how the plan uses them", "case_study": "Led the Ann S. case study",
            **overrides}


def assessment_record(**overrides: Any) -> dict[str, Any]:
    return {"competency_check": "Passed: 9 of 10 scenarios strengths-first",
            "follow_up_supervision_on": "2027-01-08", **overrides}


def observation(assessor: str = "max", **overrides: Any) -> dict[str, Any]:
    """A practice observation as CompetencySnapshot.observations lists one."""
    return {"assessor": assessor, "observed_on": date(2026, 11, 12),
            "observed": "Breakfast visit with Ann", "how_applied": "Prompted only after a pause, "
            "so Ann finished the toast herself", "setting": "Ann's kitchen", **overrides}


@dataclass
class CompetencyStandIn:
    """What CompetencySnapshot gives the competency.* checks."""

    worker: str
    training: dict[str, Any] | None
    assessment: dict[str, Any] | None
    refresher_due_on: date | None
    observations: list[dict[str, Any]]


def competency_snapshot(*, worker: str = "sam", training: dict[str, Any] | None = _UNSET,
                        assessment: dict[str, Any] | None = _UNSET,
                        refresher_due_on: date | None = None,
                        observations: list[dict[str, Any]] | None = None) -> CompetencyStandIn:
    return CompetencyStandIn(
        worker=worker, training=training_record() if training is _UNSET else training,
        assessment=assessment_record() if assessment is _UNSET else assessment,
        refresher_due_on=refresher_due_on,
        observations=[observation()] if observations is None else observations)


# --- the quality audit ---------------------------------------------------------------------

@dataclass
class TaskRow:
    """A Task row, as far as the checks read one."""

    due: date


@dataclass
class SupervisionRow:
    """A Supervision row, as far as the checks read one."""

    id: int = 3
    supervisee: UserRow = field(default_factory=lambda: UserRow("sam"))
    scheduled_for: date = TODAY
    service_id: int = 1


class LinkSession:
    """Stands in for the session QualityContext carries: it knows, per supervision id, what a
    SupervisionSnapshot built on it would find (see LinkedSupervision)."""

    def __init__(self, linked: Mapping[int, dict[str, Any]]):
        self.linked = dict(linked)


class LinkedSupervision:
    """Stands in for SupervisionSnapshot(session, supervision) when the session is a
    LinkSession."""

    def __init__(self, session: LinkSession, supervision: SupervisionRow):
        self.linked = session.linked[supervision.id]


@dataclass
class QualityStandIn:
    """What QualityContext gives the quality.* checks, for one service."""

    plans: list[tuple[PlanRow, dict[str, Any], str]]
    last_record_on: dict[tuple[int, str], date]
    overdue_review_tasks: dict[int, TaskRow]
    competent_workers: set[str]
    signed_off_supervisions: list[SupervisionRow]
    session: LinkSession
    _records: list[tuple[DailyRecordStandIn, str]]
    # (plan id, risk id) → the register's review date, None once removed at a review.
    restriction_reviews: dict[tuple[int, str], date | None] = field(default_factory=dict)

    def flagged_records(self, since: date) -> list[tuple[DailyRecordStandIn, str]]:
        """As QualityContext: records from `since` on that carry language flags, oldest first."""
        return sorted(((record, person) for record, person in self._records
                       if record.date >= since and record.language_flags),
                      key=lambda pair: (pair[0].date, pair[0].id))


def quality_context(*plans: tuple[PlanRow, dict[str, Any], str],
                    last_record_on: Mapping[tuple[int, str], date] | None = None,
                    overdue_review_tasks: Mapping[int, TaskRow] | None = None,
                    competent_workers: tuple[str, ...] = (),
                    supervisions: list[tuple[SupervisionRow, dict[str, Any]]] | None = None,
                    records: list[tuple[DailyRecordStandIn, str]] | None = None,
                    restriction_reviews: Mapping[tuple[int, str], date | None] | None = None,
                    ) -> QualityStandIn:
    """One service's audit facts: its plans in force, the latest record per (plan, outcome),
    overdue review tasks per plan, competent workers, signed-off supervisions (each with what
    its outcome link finds) and daily records with the person each is about."""
    supervisions = list(supervisions or [])
    return QualityStandIn(
        plans=list(plans), last_record_on=dict(last_record_on or {}),
        overdue_review_tasks=dict(overdue_review_tasks or {}),
        competent_workers=set(competent_workers),
        signed_off_supervisions=[row for row, _ in supervisions],
        session=LinkSession({row.id: facts for row, facts in supervisions}),
        _records=list(records or []),
        restriction_reviews=dict(restriction_reviews or {}))


def in_force(plan: PlanRow | None = None, content: dict[str, Any] | None = None,
             ) -> tuple[PlanRow, dict[str, Any], str]:
    """A (plan, content of the version in force, person's name) row of QualityContext.plans."""
    plan = plan or plan_row()
    return plan, plan_content() if content is None else content, plan.person.name
