"""Workflow definitions (data files in workflows/) and the registry that validates them.

A definition lists states (with the tasks and timers entering them opens) and transitions
(sources, destination, the roles that may fire them, the rules that guard them, the named effects
and tasks they carry). Everything is checked at load time: an unknown rule id, an unreachable
state or a transition nobody may fire is an error before the first request, not in production.
"""
from __future__ import annotations

import importlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from transitions import Machine

from engine.core import rules as rulebook
from engine.core.settings import Settings
from engine.core.subjects import KINDS, SubjectKind

ROLES = {"staff", "manager", "auditor", "admin", "system"}


class DefinitionError(Exception):
    """Workflow definitions or rule packs are invalid; `problems` lists every one."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class TaskSpec:
    kind: str
    title: str
    role: str | None = None
    assignee: str | None = None
    due_days: Any = None      # due this many days after the task opens, or …
    due_on: str | None = None  # … on a date of the subject (a name the subject kind knows)
    # A person of the subject (a name the kind knows) who never sees the task: the writer of
    # a review is not the one to complete it.
    not_for: str | None = None
    # The input of the step that opens the task carried with it ("comment": what to change).
    note: str | None = None
    # Opened only while the subject is in one of these states (default: whatever its state).
    in_states: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionDef:
    """A change recorded outside transitions (`acknowledged`, `review_saved`, …) that hands
    work on: it closes some of the subject's tasks and opens others, as the definition says."""

    name: str
    closes_tasks: tuple[str, ...] = ()
    opens_tasks: tuple[TaskSpec, ...] = ()
    by: str | None = None  # only when the actor is this person of the subject ("key_worker")


@dataclass(frozen=True)
class TimerSpec:
    transition: str
    at: str | None = None        # a date of the subject (a name the subject kind knows) …
    after_days: Any = None       # … or this many days after entering the state
    before_days: Any = None      # with `at`: this many days before that date
    # A timer normally belongs to the subject's version when it was set, and goes stale when
    # the subject changes. versioned = false: it stands while the subject stays in the state
    # (edits in the state do not cancel it), and its transition's rules judge it when it fires.
    versioned: bool = True


@dataclass(frozen=True)
class StateDef:
    name: str
    title: str
    final: bool = False
    tasks: tuple[TaskSpec, ...] = ()
    timers: tuple[TimerSpec, ...] = ()
    on_enter: tuple[str, ...] = ()  # named effects run when a transition enters the state
    on_exit: tuple[str, ...] = ()   # … and when one leaves it
    # What the state means to readers outside the engine (reports, audits): the definition
    # says which states hold a plan in force, say, so no report names states itself.
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TransitionDef:
    name: str
    title: str
    sources: tuple[str, ...]
    dest: str
    roles: frozenset[str]
    rules: tuple[str, ...]
    effects: tuple[str, ...] = ()
    opens_tasks: tuple[TaskSpec, ...] = ()
    closes_tasks: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()  # e.g. "completes_review", read by reports


@dataclass
class WorkflowDef:
    name: str
    title: str
    subject: str
    initial: str
    rule_pack: str
    states: dict[str, StateDef]
    transitions: dict[str, TransitionDef]
    source: Path
    subject_module: str = ""  # the module that registers the subject kind (named in the file)
    actions: dict[str, ActionDef] = field(default_factory=dict)
    machine: Machine | None = field(default=None, repr=False)

    @property
    def kind(self) -> SubjectKind:
        return KINDS[self.subject]

    def transitions_from(self, state: str) -> list[TransitionDef]:
        return [t for t in self.transitions.values() if state in t.sources]

    def states_tagged(self, tag: str) -> tuple[str, ...]:
        """The states the definition marks with `tag`, in definition order."""
        return tuple(name for name, state in self.states.items() if tag in state.tags)

    def task_specs(self) -> list[TaskSpec]:
        """Every task the definition can open: entering states, firing steps, recorded actions."""
        return [*(task for state in self.states.values() for task in state.tasks),
                *(task for transition in self.transitions.values()
                  for task in transition.opens_tasks),
                *(task for action in self.actions.values() for task in action.opens_tasks)]

    def transitions_tagged(self, tag: str) -> tuple[str, ...]:
        return tuple(name for name, t in self.transitions.items() if tag in t.tags)

    @property
    def final_states(self) -> tuple[str, ...]:
        return tuple(name for name, state in self.states.items() if state.final)

    def build_machine(self) -> Machine:
        """One machine for the workflow, shared by every subject (model=None, no callbacks)."""
        return Machine(
            model=None,
            states=list(self.states),
            transitions=[{"trigger": t.name, "source": list(t.sources), "dest": t.dest}
                         for t in self.transitions.values()],
            initial=None,
            auto_transitions=False,
            ignore_invalid_triggers=False,
        )


@dataclass(frozen=True)
class Registry:
    workflows: Mapping[str, WorkflowDef]
    packs: Mapping[str, rulebook.RulePack]
    settings: Settings
    # Packs of other kinds than rules (`[pack] kind = …`, read by the reader the pack names).
    extra_packs: Mapping[str, Any] = field(default_factory=dict)

    def workflow(self, name: str) -> WorkflowDef:
        return self.workflows[name]

    def pack(self, kind: str) -> Any:
        """The one pack of `kind` (for example the recording-language vocabulary)."""
        return self.extra_packs[kind]

    def pack_for(self, workflow: WorkflowDef) -> rulebook.RulePack:
        return self.packs[workflow.rule_pack]

    def rules_for(self, workflow: WorkflowDef, transition: TransitionDef) -> list[rulebook.Rule]:
        pack = self.pack_for(workflow)
        return [pack.rules[rule_id] for rule_id in transition.rules]

    def setting(self, value: Any) -> Any:
        """A literal, or `{config = "section.key"}` read from the settings."""
        return self.settings[value["config"]] if isinstance(value, dict) else value


def load_registry(settings: Settings, workflows_dir: Path | None = None,
                  rules_dir: Path | None = None) -> Registry:
    """Load and validate every workflow and pack; DefinitionError lists all problems.

    Rule packs are read here. A pack of another kind names its reader (`[pack] reader =
    "module:function"`); there is exactly one pack of each such kind. Workflow files name the
    module that registers their subject kind, so the engine imports no domain by name.
    """
    workflows_dir = workflows_dir or settings.path("definitions.workflows")
    rules_dir = rules_dir or settings.path("definitions.rules")
    rulebook.load_checks(settings["definitions.checks"])
    problems: list[str] = []

    packs: dict[str, rulebook.RulePack] = {}
    extras: dict[str, list[Any]] = {}
    for path in sorted(rules_dir.glob("*.toml")):
        head = _pack_head(path)
        if head.get("kind") not in (None, "rules"):
            extra = _read_extra_pack(path, head, problems)
            if extra is not None:
                extras.setdefault(head["kind"], []).append(extra)
            continue
        pack = rulebook.read_pack(path, problems)
        if pack is not None:
            rulebook.validate_params(pack, settings, problems)
            packs[pack.name] = pack
    for kind, found in sorted(extras.items()):
        if len(found) != 1:
            problems.append(f"{rules_dir.name}/: expected one pack of kind {kind!r}, "
                            f"found {len(found)}")

    workflows: dict[str, WorkflowDef] = {}
    for path in sorted(workflows_dir.glob("*.toml")):
        workflow = _read_workflow(path, problems)
        if workflow is not None:
            _import_subject_module(workflow, problems)
            _validate_workflow(workflow, packs, settings, problems)
            workflows[workflow.name] = workflow
    if not workflows:
        problems.append(f"no workflow definitions found in {workflows_dir}")
    if problems:
        raise DefinitionError(problems)
    for workflow in workflows.values():
        workflow.machine = workflow.build_machine()
    return Registry(workflows=workflows, packs=packs, settings=settings,
                    extra_packs={kind: found[0] for kind, found in extras.items()})


def _pack_head(path: Path) -> dict[str, Any]:
    """The [pack] table of a pack file, if it can be read (the readers report errors)."""
    try:
        head = tomllib.loads(path.read_text(encoding="utf-8")).get("pack", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    return head if isinstance(head, dict) else {}


def _resolve(reference: str) -> Any:
    """`package.module:attribute` → the attribute (ImportError or AttributeError if absent)."""
    module, _, attribute = reference.partition(":")
    loaded = importlib.import_module(module)
    return getattr(loaded, attribute) if attribute else loaded


def _read_extra_pack(path: Path, head: Mapping[str, Any], problems: list[str]) -> Any:
    where = f"{path.parent.name}/{path.name}"
    reference = head.get("reader")
    if not isinstance(reference, str) or ":" not in reference:
        problems.append(f"{where}: a pack of kind {head.get('kind')!r} must name its reader "
                        "(reader = \"module:function\")")
        return None
    try:
        reader = _resolve(reference)
    except (ImportError, AttributeError) as exc:
        problems.append(f"{where}: reader {reference!r} cannot be loaded: {exc}")
        return None
    return reader(path, problems)


def _import_subject_module(workflow: WorkflowDef, problems: list[str]) -> None:
    """Import the module the workflow file names; importing it registers the subject kind."""
    try:
        importlib.import_module(workflow.subject_module)
    except ImportError as exc:
        where = f"{workflow.source.parent.name}/{workflow.source.name}"
        problems.append(f"{where}: subject module {workflow.subject_module!r} cannot be "
                        f"imported: {exc}")


def _read_workflow(path: Path, problems: list[str]) -> WorkflowDef | None:
    where = f"{path.parent.name}/{path.name}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        problems.append(f"{where}: cannot be read: {exc}")
        return None
    head = data.get("workflow", {})
    missing = [key for key in ("name", "subject", "subject_module", "initial", "rule_pack")
               if not head.get(key)]
    if missing:
        problems.append(f"{where}: [workflow] is missing {', '.join(missing)}")
        return None
    try:
        states = {name: StateDef(
            name=name, title=raw.get("title", name), final=raw.get("final", False),
            tasks=tuple(_task(task) for task in raw.get("tasks", [])),
            timers=tuple(TimerSpec(**timer) for timer in raw.get("timers", [])),
            on_enter=tuple(raw.get("on_enter", [])), on_exit=tuple(raw.get("on_exit", [])),
            tags=frozenset(raw.get("tags", [])),
        ) for name, raw in data.get("states", {}).items()}
        actions = {name: ActionDef(
            name=name, closes_tasks=tuple(raw.get("closes_tasks", [])),
            opens_tasks=tuple(_task(task) for task in raw.get("opens_tasks", [])),
            by=raw.get("by"),
        ) for name, raw in data.get("actions", {}).items()}
        transitions = {}
        for raw in data.get("transitions", []):
            name = raw.get("name", "?")
            if name in transitions:
                problems.append(f"{where}: transition {name!r} is defined twice")
            transitions[name] = TransitionDef(
                name=name, title=raw.get("title", name.replace("_", " ")),
                sources=tuple(raw.get("sources", [])), dest=raw.get("dest", ""),
                roles=frozenset(raw.get("roles", [])), rules=tuple(raw.get("rules", [])),
                effects=tuple(raw.get("effects", [])),
                opens_tasks=tuple(_task(task) for task in raw.get("opens_tasks", [])),
                closes_tasks=tuple(raw.get("closes_tasks", [])),
                tags=frozenset(raw.get("tags", [])),
            )
    except TypeError as exc:
        problems.append(f"{where}: {exc}")
        return None
    return WorkflowDef(name=head["name"], title=head.get("title", head["name"]),
                       subject=head["subject"], subject_module=head["subject_module"],
                       initial=head["initial"],
                       rule_pack=head["rule_pack"], states=states, transitions=transitions,
                       actions=actions, source=path)


def _task(raw: Mapping[str, Any]) -> TaskSpec:
    return TaskSpec(**{**raw, "in_states": tuple(raw.get("in_states", ()))})


def _validate_workflow(workflow: WorkflowDef, packs: Mapping[str, rulebook.RulePack],
                       settings: Settings, problems: list[str]) -> None:
    where = f"{workflow.source.parent.name}/{workflow.source.name}"
    kind = KINDS.get(workflow.subject)
    if kind is None:
        problems.append(f"{where}: unknown subject kind {workflow.subject!r}")
    pack = packs.get(workflow.rule_pack)
    if pack is None:
        problems.append(f"{where}: unknown rule pack {workflow.rule_pack!r}")
    if workflow.initial not in workflow.states:
        problems.append(f"{where}: initial state {workflow.initial!r} is not a state")

    def check_setting(value: Any, what: str) -> None:
        if isinstance(value, dict) and value.get("config") not in settings:
            problems.append(f"{where}: {what} refers to unknown setting {value.get('config')!r}")
        elif value is not None and not isinstance(value, (dict, int)):
            problems.append(f"{where}: {what} must be a number of days or {{config = …}}")

    def check_task(task: TaskSpec, what: str) -> None:
        if not task.role and not task.assignee:
            problems.append(f"{where}: {what} task {task.kind!r} has neither role nor assignee")
        if task.role and task.role not in ROLES:
            problems.append(f"{where}: {what} task {task.kind!r} has unknown role {task.role!r}")
        if task.assignee and kind and task.assignee not in kind.people:
            problems.append(f"{where}: {what} task {task.kind!r} has unknown assignee "
                            f"{task.assignee!r}")
        check_setting(task.due_days, f"{what} task {task.kind!r} due_days")
        if task.due_on is not None and kind is not None and task.due_on not in kind.dates:
            problems.append(f"{where}: {what} task {task.kind!r} due_on names unknown date "
                            f"{task.due_on!r}")
        if task.not_for and kind and task.not_for not in kind.people:
            problems.append(f"{where}: {what} task {task.kind!r} has unknown not_for "
                            f"{task.not_for!r}")
        if task.note not in (None, "comment", "reason"):
            problems.append(f"{where}: {what} task {task.kind!r} note must be comment or reason")
        for state_name in task.in_states:
            if state_name not in workflow.states:
                problems.append(f"{where}: {what} task {task.kind!r} names unknown state "
                                f"{state_name!r}")

    for transition in workflow.transitions.values():
        what = f"transition {transition.name!r}"
        if not transition.roles:
            problems.append(f"{where}: {what} has no roles: nobody could fire it")
        for role in sorted(transition.roles - ROLES):
            problems.append(f"{where}: {what} names unknown role {role!r}")
        if not transition.sources:
            problems.append(f"{where}: {what} has no source states")
        for state_name in (*transition.sources, transition.dest):
            if state_name not in workflow.states:
                problems.append(f"{where}: {what} names unknown state {state_name!r}")
        for rule_id in transition.rules:
            if pack is not None and rule_id not in pack.rules:
                problems.append(f"{where}: {what} names unknown rule id {rule_id!r}")
        for effect in transition.effects:
            if kind is not None and effect not in kind.effects:
                problems.append(f"{where}: {what} names unknown effect {effect!r}")
        for task in transition.opens_tasks:
            check_task(task, what)

    known_kinds = {task.kind for task in workflow.task_specs()}
    for action in workflow.actions.values():
        what = f"action {action.name!r}"
        for task in action.opens_tasks:
            check_task(task, what)
        for task_kind in action.closes_tasks:
            if task_kind not in known_kinds:
                problems.append(f"{where}: {what} closes task {task_kind!r}, which nothing opens")
        if action.by and kind and action.by not in kind.people:
            problems.append(f"{where}: {what} names unknown person {action.by!r}")

    for state in workflow.states.values():
        what = f"state {state.name!r}"
        for task in state.tasks:
            check_task(task, what)
        for effect in (*state.on_enter, *state.on_exit):
            if kind is not None and effect not in kind.effects:
                problems.append(f"{where}: {what} names unknown effect {effect!r}")
        for timer in state.timers:
            if timer.transition not in workflow.transitions:
                problems.append(f"{where}: {what} timer fires unknown transition "
                                f"{timer.transition!r}")
            if (timer.at is None) == (timer.after_days is None):
                problems.append(f"{where}: {what} timer needs exactly one of at / after_days")
            if timer.at is not None and kind is not None and timer.at not in kind.dates:
                problems.append(f"{where}: {what} timer date {timer.at!r} is unknown")
            check_setting(timer.after_days, f"{what} timer after_days")
            check_setting(timer.before_days, f"{what} timer before_days")
            if timer.before_days is not None and timer.at is None:
                problems.append(f"{where}: {what} timer before_days needs at")

    for state_name in sorted(set(workflow.states) - _reachable(workflow)):
        problems.append(f"{where}: state {state_name!r} is unreachable from "
                        f"{workflow.initial!r}")


def _reachable(workflow: WorkflowDef) -> set[str]:
    seen, frontier = {workflow.initial}, [workflow.initial]
    while frontier:
        state = frontier.pop()
        for transition in workflow.transitions_from(state):
            if transition.dest not in seen:
                seen.add(transition.dest)
                frontier.append(transition.dest)
    return seen
