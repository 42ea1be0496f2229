"""The incident.* and restriction.* checks, on in-memory snapshots: what passes, and the words
for each thing missing. (Runs before test_checks_tally, which counts every check tested.)"""
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import pytest

from engine.care.incidents import IncidentSnapshot
from engine.care.restrictions import RestrictionSnapshot
from engine.core.rules import Passed
from tests.unit.snapshots import TODAY, actor, judge
from tests.unit.test_checks_tally import offered, used


@dataclass
class IncidentStandIn:
    plan_id: int | None = 7
    kind: str = "fall"
    severity: str = "low"
    immediate_action: str = "Checked her for injury and helped her up"
    people_informed: list[str] = field(default_factory=lambda: ["daughter"])
    occurred_at: datetime = datetime(2026, 11, 19, 14, tzinfo=timezone.utc)
    reviews_opened_since: list[date] = field(default_factory=list)
    risks_reviewed_since: list[date] = field(default_factory=list)


@dataclass
class RestrictionStandIn:
    risk_id: str = "r2"
    review_date: date | None = date(2026, 12, 20)


def test_the_stand_ins_offer_only_what_the_snapshots_have():
    assert sorted(used(IncidentStandIn()) - offered(IncidentSnapshot)) == []
    assert sorted(used(RestrictionStandIn()) - offered(RestrictionSnapshot)) == []


def review(subject=None, **notifications):
    return judge("incident.notifications-decided", subject or IncidentStandIn(),
                 actor=actor(), inputs={"notifications": notifications})


# --- incident.immediate-action-recorded ----------------------------------------------------

def test_an_immediate_action_passes():
    assert judge("incident.immediate-action-recorded", IncidentStandIn()) == []


@pytest.mark.parametrize("action,words", [
    ("", "the report does not say what was done at once to keep the person safe"),
    ("Helped", "\"Helped\" does not say what was done at once (at least 3 words)")])
def test_a_missing_or_thin_immediate_action_is_named(action, words):
    assert judge("incident.immediate-action-recorded",
                 IncidentStandIn(immediate_action=action)) == [words]


# --- incident.notifications-decided --------------------------------------------------------

def test_a_low_incident_with_someone_told_passes():
    assert review() == []


def test_nobody_told_is_named_unless_the_family_decision_is_recorded():
    nobody = IncidentStandIn(people_informed=[])
    assert review(nobody) == ["nobody is recorded as told: list who was informed, or say "
                              "whether the family was"]
    assert review(nobody, family_informed=False) == []


@pytest.mark.parametrize("subject", [IncidentStandIn(severity="serious"),
                                     IncidentStandIn(kind="safeguarding_concern")],
                         ids=["serious", "safeguarding"])
def test_statutory_decisions_are_needed_for_serious_and_safeguarding(subject):
    why = "a safeguarding concern" if subject.kind == "safeguarding_concern" \
        else "a serious incident"
    assert review(subject) == [f"for {why}, whether a CQC notification and a safeguarding "
                               "referral were made is not recorded"]
    assert review(subject, cqc_notification=True) == [
        f"for {why}, whether a safeguarding referral was made is not recorded"]
    assert review(subject, cqc_notification=False, safeguarding_referral=False) == [
        f"no CQC notification and no safeguarding referral was made for {why}, and no reason "
        "is given"]
    assert review(subject, cqc_notification=False, safeguarding_referral=True,
                  reason="Below the CQC threshold: no injury.") == []
    assert review(subject, cqc_notification=True, safeguarding_referral=True) == []


# --- incident.learning-recorded ------------------------------------------------------------

@pytest.mark.parametrize("learning,expected", [
    ("Her kettle now sits on the lower shelf within reach.", []),
    (None, ["what was learned from the incident is not recorded"]),
    ("Kettle moved.", ["\"Kettle moved.\" is not yet a sentence about what was learned (at "
                       "least 5 words)"])])
def test_learning_must_be_a_sentence(learning, expected):
    assert judge("incident.learning-recorded", IncidentStandIn(),
                 inputs={"learning": learning}) == expected


# --- incident.plan-considered --------------------------------------------------------------

def test_the_plan_is_considered_by_a_review_opened_or_risks_reviewed_since():
    def considered(subject):
        return judge("incident.plan-considered", subject)

    assert considered(IncidentStandIn()) == [
        "the plan's risks have not been reviewed since the incident and no review of the plan "
        "has been opened: start a review of the plan"]
    opened = considered(IncidentStandIn(reviews_opened_since=[date(2026, 11, 19)]))
    assert opened == [] and isinstance(opened, Passed)
    assert opened.note == "a review of the plan was opened on 2026-11-19"
    assert considered(IncidentStandIn(risks_reviewed_since=[date(2026, 11, 20)])).note == \
        "the plan's risks were reviewed on 2026-11-20"
    assert considered(IncidentStandIn(plan_id=None)).note == \
        "the person has no plan in force to consider"


# --- restriction.decision-recorded and restriction.removal-recorded -----------------------

def decided(rule="restriction.decision-recorded", **inputs):
    return judge(rule, RestrictionStandIn(), inputs=inputs, today=TODAY)


def test_keep_and_reduce_pass_with_why_and_a_later_date():
    assert decided(decision="keep", reason="Still needed this month.",
                   next_review_date="2026-12-20") == []
    assert decided(decision="reduce", reason="No incidents for four weeks.",
                   next_review_date="2026-12-20", reduced_to="Sharp knives only") == []


def test_each_missing_part_of_the_decision_is_named():
    assert decided() == ["no decision: choose keep or reduce",
                         "why the decision was taken is not recorded (at least 3 words)"]
    assert decided(decision="remove", reason="No longer needed now.") == [
        "the decision \"remove\" is not one of keep or reduce"]
    assert decided(decision="keep", reason="Still needed now.") == [
        "no next review date for the restriction"]
    assert decided(decision="keep", reason="Still needed now.",
                   next_review_date=TODAY.isoformat()) == [
        f"the next review date {TODAY} is not after today"]
    assert decided(decision="reduce", reason="Fewer incidents lately.",
                   next_review_date="2026-12-20") == [
        "a reduction does not say what remains of the restriction"]


def test_removal_needs_only_why():
    assert decided("restriction.removal-recorded", reason="Six weeks without an incident.") == []
    assert decided("restriction.removal-recorded") == [
        "why the decision was taken is not recorded (at least 3 words)"]
