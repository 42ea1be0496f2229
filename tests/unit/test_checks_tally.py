"""The packs and the checks agree, the stand-ins read only what production snapshots offer, and
every registered check has a unit test. (Named to run after the other test_checks_* files.)"""
import ast
import inspect
import textwrap
from pathlib import Path

import pytest

from engine.care.competency import CompetencySnapshot
from engine.care.models import DailyRecord, Person, Plan, Supervision
from engine.care.plan_kind import PlanSnapshot
from engine.care.quality import QualityContext
from engine.care.supervision import SupervisionSnapshot
from engine.core.models import Task, User
from engine.core.rules import CHECKS, validate_params
from tests.unit import snapshots
from tests.unit.snapshots import SETTINGS, rule_packs

HERE = Path(__file__).resolve().parent


def test_every_rule_pack_is_read_without_a_problem():
    assert {"support_plan", "supervision", "competency", "quality"} <= set(rule_packs())


@pytest.mark.parametrize("name", sorted(rule_packs()))
def test_every_rule_names_a_registered_check_with_the_parameters_it_declares(name):
    pack = rule_packs()[name]
    assert pack.rules
    assert [rule.id for rule in pack.rules.values() if rule.check not in CHECKS] == []
    problems = []
    validate_params(pack, SETTINGS, problems)
    assert problems == []


def test_every_registered_check_is_named_by_some_rule():
    named = {rule.check for pack in rule_packs().values() for rule in pack.rules.values()}
    assert sorted(CHECKS.keys() - named) == []


# --- the stand-ins and what they stand in for ----------------------------------------------

def offered(cls) -> set[str]:
    """The public attributes of a production class: its properties, methods and columns, and
    whatever its __init__ assigns to self."""
    names = {name for name in dir(cls) if not name.startswith("_")}
    tree = ast.parse(inspect.getsource(cls))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) \
                and isinstance(node.value, ast.Name) and node.value.id == "self":
            names.add(node.attr)
    return names


def used(stand_in) -> set[str]:
    return {name for name in vars(stand_in) if not name.startswith("_")} | {
        name for name in dir(type(stand_in))
        if not name.startswith("_") and callable(getattr(type(stand_in), name))}


@pytest.mark.parametrize("stand_in,real", [
    (snapshots.plan_snapshot(), PlanSnapshot),
    (snapshots.supervision_snapshot(), SupervisionSnapshot),
    (snapshots.competency_snapshot(), CompetencySnapshot),
    (snapshots.quality_context(), QualityContext),
    (snapshots.daily_record(), DailyRecord),
    (snapshots.plan_row(), Plan),
    (snapshots.plan_row().person, Person),
    (snapshots.SupervisionRow(), Supervision),
    (snapshots.TaskRow(snapshots.TODAY), Task),
    (snapshots.UserRow("sam"), User),
], ids=["PlanSnapshot", "SupervisionSnapshot", "CompetencySnapshot", "QualityContext",
        "DailyRecord", "Plan", "Person", "Supervision", "Task", "User"])
def test_each_stand_in_offers_only_what_its_production_class_has(stand_in, real):
    assert sorted(used(stand_in) - offered(real)) == []


def returned_keys(func) -> set[str]:
    """The keys of the dict literal a function's last statement returns."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    returned = tree.body[0].body[-1]
    assert isinstance(returned, ast.Return) and isinstance(returned.value, ast.Dict)
    return {key.value for key in returned.value.keys}


def test_the_linked_facts_have_the_keys_supervision_snapshot_returns():
    assert returned_keys(SupervisionSnapshot.linked.func) == set(snapshots.linked_facts(None))


def test_the_key_worker_has_the_keys_plan_snapshot_gives():
    assert returned_keys(PlanSnapshot.key_worker.func) == set(snapshots.user("sam"))


# --- every check is tested -----------------------------------------------------------------

def test_every_registered_check_has_a_unit_test(request):
    modules = sorted(path.name for path in HERE.glob("test_checks_*.py")
                     if path.name != Path(__file__).name)
    items = request.session.items
    here = items.index(request.node)
    ran_before = {item.path.name for item in items[:here]}
    after = {item.path.name for item in items[here + 1:]}
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if set(modules) - ran_before or set(modules) & after \
            or (reporter and reporter.stats.get("deselected")):
        pytest.skip("needs every test of " + ", ".join(modules) + " to run first")
    assert sorted(CHECKS.keys() - snapshots.EXERCISED) == []
