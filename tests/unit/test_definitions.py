"""Workflow definitions and rule packs are validated at load: every problem, before production."""
import shutil
from pathlib import Path

import pytest

from engine import DefinitionError, load_registry, load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def definitions(tmp_path):
    """Copies of the shipped definitions that a test may break."""
    shutil.copytree(ROOT / "workflows", tmp_path / "workflows")
    shutil.copytree(ROOT / "rules", tmp_path / "rules", ignore=shutil.ignore_patterns("*.py"))
    return tmp_path


def problems_with(definitions, **replacements):
    for name, (old, new) in replacements.items():
        path = definitions / name
        text = path.read_text()
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1))
    with pytest.raises(DefinitionError) as caught:
        load_registry(load_settings(), definitions / "workflows", definitions / "rules")
    return caught.value.problems


def test_the_shipped_definitions_are_valid():
    registry = load_registry(load_settings())
    workflow = registry.workflow("support_plan")
    assert set(workflow.states) == {"draft", "approved", "active", "review_due",
                                    "reduced_support", "closed"}
    assert set(workflow.transitions) == {"request_approval", "return_for_changes", "approve",
                                         "activate",
                                         "start_review", "complete_review", "reduce_support",
                                         "revise", "reinstate", "increase_support",
                                         "flag_overdue_revision", "close"}
    assert registry.pack_for(workflow).label == "support_plan@1.5.0"


def test_every_rule_reads_as_a_cannot_proceed_sentence():
    pack = load_registry(load_settings()).packs["support_plan"]
    for rule in pack.rules.values():
        assert rule.text.startswith("Cannot proceed without ") and rule.text.endswith(".")


def test_an_unknown_rule_id_is_an_error(definitions):
    problems = problems_with(definitions, **{
        "workflows/support_plan.toml": ('"plan.has-outcomes",', '"plan.has-outcome",')})
    assert problems == ["workflows/support_plan.toml: transition 'approve' names unknown rule id "
                        "'plan.has-outcome'"]


def test_a_transition_without_roles_is_an_error(definitions):
    problems = problems_with(definitions, **{
        "workflows/support_plan.toml": ('roles = ["manager"]\nrules = ["plan.key-worker',
                                        'roles = []\nrules = ["plan.key-worker')})
    assert problems == ["workflows/support_plan.toml: transition 'activate' has no roles: "
                        "nobody could fire it"]


def test_an_unreachable_state_is_an_error(definitions):
    problems = problems_with(definitions, **{
        "workflows/support_plan.toml": ('sources = ["approved"]\ndest = "active"',
                                        'sources = ["approved"]\ndest = "approved"')})
    assert "workflows/support_plan.toml: state 'active' is unreachable from 'draft'" in problems


def test_an_unknown_check_and_bad_parameters_are_errors(definitions):
    problems = problems_with(definitions, **{"rules/support_plan.toml": (
        'check = "plan.has_outcomes"', 'check = "plan.has_outcomez"')})
    assert problems == ["rules/support_plan.toml: rule plan.has-outcomes: unknown check "
                        "'plan.has_outcomez'"]


def test_every_problem_is_reported_at_once(definitions):
    problems = problems_with(definitions, **{
        "rules/support_plan.toml": ('params = { min_records = 3,',
                                    'params = { min_records = "three", extra = 1,'),
        "workflows/support_plan.toml": ('roles = ["system", "staff", "manager"]',
                                        'roles = ["system", "staff", "boss"]'),
    })
    assert sorted(problems) == sorted([
        "rules/support_plan.toml: rule reduce.progress-evidenced: unknown parameter 'extra' "
        "for check reduce.progress_evidenced",
        "rules/support_plan.toml: rule reduce.progress-evidenced: parameter 'min_records' "
        "must be int, not 'three'",
        "workflows/support_plan.toml: transition 'start_review' names unknown role 'boss'",
    ])


def test_a_parameter_naming_an_unknown_setting_is_an_error(definitions):
    problems = problems_with(definitions, **{"rules/support_plan.toml": (
        '{ config = "plan.hours_tolerance" }', '{ config = "plan.hours_tolerence" }')})
    assert problems == ["rules/support_plan.toml: rule plan.hours-allocated: parameter "
                        "'tolerance' refers to unknown setting 'plan.hours_tolerence'"]


def test_a_timer_must_fire_a_real_transition(definitions):
    problems = problems_with(definitions, **{"workflows/support_plan.toml": (
        'timers = [{ transition = "start_review", at', 'timers = [{ transition = "start", at')})
    assert problems == ["workflows/support_plan.toml: state 'active' timer fires unknown "
                        "transition 'start'"]


def test_an_unreadable_file_is_reported_with_its_name(definitions):
    (definitions / "rules" / "broken.toml").write_text("[pack\nname=")
    with pytest.raises(DefinitionError) as caught:
        load_registry(load_settings(), definitions / "workflows", definitions / "rules")
    assert caught.value.problems[0].startswith("rules/broken.toml: cannot be read")
