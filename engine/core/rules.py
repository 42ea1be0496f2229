"""Rule packs (data) and their evaluation.

A rule pack is a TOML file in rules/: a name, a version, and rules, each with a stable id, a
kind, a one-sentence text, a severity, the named check that decides it and the check's
parameters. A parameter is either a literal or `{config = "section.key"}`, read from config.toml.
Checks are small pure functions registered with @check; they return the list of what is missing.
"""
from __future__ import annotations

import importlib
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Mapping

from engine.core.settings import Settings

RULE_KINDS = {"required_fields", "cannot_proceed", "auditable_validation"}
SEVERITIES = {"blocking", "warning"}


@dataclass(frozen=True)
class CheckSpec:
    name: str
    # Workflow checks return what is missing (str); quality checks return engine.care.quality
    # Issues.
    func: Callable[["RuleContext"], list[Any]]
    params: Mapping[str, type]


CHECKS: dict[str, CheckSpec] = {}


def check(name: str, **params: type):
    """Register a check under `name`; keyword arguments declare its parameters and their types."""

    def register(func):
        if name in CHECKS:
            raise ValueError(f"check {name!r} registered twice")
        CHECKS[name] = CheckSpec(name, func, params)
        return func

    return register


class Passed(list):
    """What a check returns to pass with a note saying how (an empty list of what is missing
    that carries, say, "passed on independence"); the verdict's detail is the note."""

    def __init__(self, note: str):
        super().__init__()
        self.note = note


@dataclass
class RuleContext:
    """What a check may look at: the subject's snapshot, who is acting, when, and the inputs."""

    subject: Any
    actor: Any
    now: datetime | None  # None for the quality audit, which looks at a day, not a moment
    today: date
    inputs: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    text: str
    severity: str
    check: str
    params: Mapping[str, Any]

    def resolved_params(self, settings: Settings) -> dict[str, Any]:
        return {name: settings[value["config"]] if isinstance(value, dict) else value
                for name, value in self.params.items()}


@dataclass(frozen=True)
class RulePack:
    name: str
    version: str
    rules: Mapping[str, Rule]
    source: Path

    @property
    def label(self) -> str:
        """How the pack is named in audit events: name@version."""
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class Verdict:
    rule: str
    text: str
    passed: bool
    detail: str | None
    severity: str = "blocking"

    @property
    def blocks(self) -> bool:
        """A failing blocking rule refuses the transition; a failing warning is only shown."""
        return not self.passed and self.severity == "blocking"

    def as_dict(self) -> dict[str, Any]:
        found = {"rule": self.rule, "text": self.text, "passed": self.passed,
                 "detail": self.detail}
        if self.severity != "blocking":
            found["severity"] = self.severity
        return found


def load_checks(package: str) -> None:
    """Import every module of the checks package so their @check functions register."""
    pkg = importlib.import_module(package)
    if pkg.__file__ is None:  # a namespace package has no folder of its own to list
        raise ValueError(f"{package!r} is not a regular package (no __init__.py)")
    for module in sorted(Path(pkg.__file__).parent.glob("*.py")):
        if module.stem != "__init__":
            importlib.import_module(f"{package}.{module.stem}")


def read_pack(path: Path, problems: list[str]) -> RulePack | None:
    """Parse one rule pack file, appending every problem found to `problems`."""
    where = f"{path.parent.name}/{path.name}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        problems.append(f"{where}: cannot be read: {exc}")
        return None
    head = data.get("pack", {})
    name, version = head.get("name"), head.get("version")
    if not name or not version:
        problems.append(f"{where}: [pack] needs a name and a version")
        return None
    rules: dict[str, Rule] = {}
    for index, raw in enumerate(data.get("rules", [])):
        rule = _read_rule(raw, f"{where}: rule #{index + 1}", problems)
        if rule is None:
            continue
        if rule.id in rules:
            problems.append(f"{where}: rule id {rule.id!r} is defined twice")
        rules[rule.id] = rule
    return RulePack(name=name, version=str(version), rules=rules, source=path)


def validate_params(pack: RulePack, settings: Settings, problems: list[str]) -> None:
    """Every rule names a known check and gives it exactly the parameters it declares."""
    for rule in pack.rules.values():
        where = f"{pack.source.parent.name}/{pack.source.name}: rule {rule.id}"
        spec = CHECKS.get(rule.check)
        if spec is None:
            problems.append(f"{where}: unknown check {rule.check!r}")
            continue
        for name in spec.params.keys() - rule.params.keys():
            problems.append(f"{where}: missing parameter {name!r}")
        for name, value in rule.params.items():
            if name not in spec.params:
                problems.append(f"{where}: unknown parameter {name!r} for check {rule.check}")
                continue
            if isinstance(value, dict):
                key = value.get("config")
                if set(value) != {"config"} or not isinstance(key, str) or key not in settings:
                    problems.append(f"{where}: parameter {name!r} refers to unknown setting "
                                    f"{key!r}")
                    continue
                value = settings[key]
            if not _is_instance(value, spec.params[name]):
                problems.append(f"{where}: parameter {name!r} must be "
                                f"{spec.params[name].__name__}, not {value!r}")


def evaluate(rules: list[Rule], context: RuleContext, settings: Settings) -> list[Verdict]:
    """Run every rule (never stopping at the first failure) and return one verdict each."""
    verdicts = []
    for rule in rules:
        context.params = rule.resolved_params(settings)
        missing = CHECKS[rule.check].func(context)
        detail = "; ".join(missing) if missing else getattr(missing, "note", None)
        verdicts.append(Verdict(rule.id, rule.text, not missing, detail, rule.severity))
    return verdicts


def _read_rule(raw: Mapping[str, Any], where: str, problems: list[str]) -> Rule | None:
    missing = [key for key in ("id", "kind", "text", "severity", "check") if not raw.get(key)]
    if missing:
        problems.append(f"{where}: missing {', '.join(missing)}")
        return None
    unknown = set(raw) - {"id", "kind", "text", "severity", "check", "params"}
    if unknown:
        problems.append(f"{where} ({raw['id']}): unknown keys {sorted(unknown)}")
    if raw["kind"] not in RULE_KINDS:
        problems.append(f"{where} ({raw['id']}): kind must be one of {sorted(RULE_KINDS)}")
    if raw["severity"] not in SEVERITIES:
        problems.append(f"{where} ({raw['id']}): severity must be one of {sorted(SEVERITIES)}")
    return Rule(id=raw["id"], kind=raw["kind"], text=raw["text"], severity=raw["severity"],
                check=raw["check"], params=dict(raw.get("params", {})))


def _is_instance(value: Any, expected: type) -> bool:
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)
