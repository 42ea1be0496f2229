"""A rule's severity is honoured: a failing warning is shown and recorded, never blocks."""
import pytest

from engine.core.definitions import TransitionDef
from engine.core.rules import CHECKS, CheckSpec, Rule, RuleContext, evaluate
from engine.core.settings import Settings
from engine.core.workflow import Option

TRANSITION = TransitionDef("approve", "Approve", ("draft",), "approved",
                           frozenset({"manager"}), ("t.warn", "t.block"))


@pytest.fixture(autouse=True)
def always_missing(monkeypatch):
    """A check that always finds something missing, registered for these tests only."""
    monkeypatch.setitem(CHECKS, "test.always_missing",
                        CheckSpec("test.always_missing", lambda ctx: ["something is missing"],
                                  {}))


def rule(rule_id: str, severity: str) -> Rule:
    return Rule(rule_id, "cannot_proceed", f"Cannot proceed without {rule_id}.", severity,
                "test.always_missing", {})


def judged(*rules: Rule):
    context = RuleContext(subject=None, actor=None, now=None, today=None)
    return evaluate(list(rules), context, Settings(values={}, root=None))


def test_a_failing_warning_does_not_block_the_transition():
    [warning] = judged(rule("t.warn", "warning"))
    assert not warning.passed and not warning.blocks
    assert Option(TRANSITION, [warning]).allowed


def test_a_failing_blocking_rule_blocks_it_beside_a_warning():
    warning, blocking = judged(rule("t.warn", "warning"), rule("t.block", "blocking"))
    assert blocking.blocks and not Option(TRANSITION, [warning, blocking]).allowed


def test_the_checklist_and_the_audit_record_say_which_rule_only_warns():
    warning, blocking = judged(rule("t.warn", "warning"), rule("t.block", "blocking"))
    assert warning.as_dict() == {"rule": "t.warn", "text": "Cannot proceed without t.warn.",
                                 "passed": False, "detail": "something is missing",
                                 "severity": "warning"}
    assert "severity" not in blocking.as_dict()  # the shipped packs' events read as before
