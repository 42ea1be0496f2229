"""The complaint.* checks, on an in-memory snapshot: what passes, and the words for what is
missing at each step (acknowledge, respond, close)."""
from dataclasses import dataclass
from datetime import date
from typing import Any, Optional

import pytest

from engine.care.feedback import FeedbackSnapshot
from tests.unit.snapshots import actor, judge

ACKNOWLEDGED = "Phoned Jo, apologised, and said we would reply in writing."
RESPONSE = "Wrote to Jo: the rota change was not passed on; it should have been."
CHANGED = "Rota changes now go to the person and their family the same day."


@dataclass
class ComplaintStandIn:
    """What FeedbackSnapshot offers the checks."""

    kind: str = "complaint"
    received_on: date = date(2026, 11, 20)
    acknowledgement: Optional[dict[str, Any]] = None
    response: Optional[dict[str, Any]] = None
    closure: Optional[dict[str, Any]] = None


def responded(finding: str = "upheld") -> ComplaintStandIn:
    return ComplaintStandIn(
        acknowledgement={"text": ACKNOWLEDGED, "by": "mia", "on": "2026-11-21"},
        response={"text": RESPONSE, "finding": finding, "by": "mia", "on": "2026-12-01"})


def test_the_stand_in_offers_only_what_the_snapshot_has():
    import inspect
    source = inspect.getsource(FeedbackSnapshot.__init__)
    assert all(f"self.{name} =" in source for name in vars(ComplaintStandIn()))


# --- complaint.acknowledgement-recorded ----------------------------------------------------

def acknowledging(text: Any) -> list[str]:
    return judge("complaint.acknowledgement-recorded", ComplaintStandIn(), actor=actor("mia"),
                 inputs={"acknowledgement": text})


def test_an_acknowledgement_in_words_passes():
    assert acknowledging(ACKNOWLEDGED) == []


@pytest.mark.parametrize("text", [None, "", "   "])
def test_no_acknowledgement_is_named(text):
    assert acknowledging(text) == [
        "no acknowledgement is recorded: say how the complainant was told it was received "
        "(letter, phone call, meeting) and what happens next"]


def test_a_token_acknowledgement_is_quoted_back():
    assert acknowledging("sent letter") == [
        "‘sent letter’ does not say how the complainant was told or what happens next "
        "(at least 4 words)"]


def test_a_long_token_is_shortened_when_quoted():
    [problem] = judge("complaint.acknowledgement-recorded", ComplaintStandIn(),
                      inputs={"acknowledgement": "x" * 60})
    assert problem.startswith("‘" + "x" * 39 + "…’")


# --- complaint.response-recorded ------------------------------------------------------------

def responding(**inputs: Any) -> list[str]:
    return judge("complaint.response-recorded", ComplaintStandIn(), actor=actor("mia"),
                 inputs=inputs)


@pytest.mark.parametrize("finding", ["upheld", "partly_upheld", "not_upheld"])
def test_a_response_with_its_finding_passes(finding):
    assert responding(response=RESPONSE, finding=finding) == []


def test_no_response_and_no_finding_are_both_named():
    assert responding() == [
        "no response to the complainant is recorded",
        "the response does not say whether the complaint was upheld, partly upheld or not "
        "upheld"]


def test_a_response_with_no_finding_is_named():
    assert responding(response=RESPONSE) == [
        "the response does not say whether the complaint was upheld, partly upheld or not "
        "upheld"]


def test_a_token_response_is_quoted_back():
    assert responding(response="sorted", finding="upheld") == [
        "‘sorted’ does not say what the complainant was told (at least 4 words)"]


def test_closing_reads_the_response_recorded_when_it_was_given():
    assert judge("complaint.response-recorded", responded()) == []
    assert judge("complaint.response-recorded", ComplaintStandIn()) == [
        "no response to the complainant is recorded",
        "the response does not say whether the complaint was upheld, partly upheld or not "
        "upheld"]


# --- complaint.change-named -----------------------------------------------------------------

def closing(text: Any, finding: str = "upheld") -> list[str]:
    return judge("complaint.change-named", responded(finding), actor=actor("max"),
                 inputs={"what_changed": text})


def test_naming_what_changed_passes():
    assert closing(CHANGED) == []


@pytest.mark.parametrize("finding", ["upheld", "partly_upheld"])
def test_no_change_named_is_refused(finding):
    assert closing(None, finding) == [
        "nothing names what changed because of the complaint (the plan, the rota, training, "
        "how staff work)"]


def test_a_complaint_not_upheld_still_says_why_nothing_changed():
    assert closing("", "not_upheld") == [
        "nothing says why no change was needed although the complaint was not upheld"]
    assert closing("Visit moved at Margaret's request; explained to Jo.", "not_upheld") == []


def test_a_token_change_is_quoted_back():
    assert closing("rota fixed") == [
        "‘rota fixed’ does not name what changed because of the complaint (at least 4 words)"]
