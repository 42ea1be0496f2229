"""The learning loop on the command line (SPEC §10.4): a service's incidents with what was
learned and what changed in the plan, its restriction register, and its feedback.

Read-only listings, as `strengthwise user list` is: the command line sees every service, and
`--service` narrows to one (an unknown name is an error naming the services there are).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional, Sequence
from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext
from engine.care import feedback as feedback_ops
from engine.care import incident_changes, incidents, restrictions
from engine.core.accounts import CLI

from .cli_common import echo_table, known_services
from .extensions import db
from .runtime import engine


def _service(name: Optional[str]) -> Optional[str]:
    known_services([name] if name is not None else [])
    return name


def _choice(value: Optional[str], allowed: Sequence[str], hint: str) -> Optional[str]:
    if value is not None and value not in allowed:
        raise click.BadParameter(f"no {hint.lstrip('-')} {value}; one of {', '.join(allowed)}",
                                 param_hint=hint)
    return value


def _local(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return f"{moment.astimezone(ZoneInfo(engine().settings['timezone'])):%Y-%m-%d %H:%M}"


@click.group("incidents")
def incidents_group() -> None:
    """Incidents: what happened, what was learned, what changed in the plan."""


@incidents_group.command("list")
@click.option("--service", help="Only this service's incidents.")
@click.option("--state", help="Only incidents in this state (reported, reviewed, closed).")
@with_appcontext
def incidents_list(service: Optional[str], state: Optional[str]) -> None:
    """List incidents, newest first, with what was learned and what changed in the plan."""
    from .cli import require_schema

    require_schema()
    service = _service(service)
    state = _choice(state, list(engine().registry.workflow(incidents.WORKFLOW).states),
                    "--state")
    found = incidents.visible(db.session, CLI, service=service, state=state)
    if not found:
        click.echo("No incidents.")
        return
    rows = [("id", "occurred", "person", "service", "what", "severity", "state", "learned",
             "plan changes")]
    changes_of = incident_changes.plan_changes_many(db.session, found, engine().today)
    for item in found:
        changes = changes_of[item.id]
        rows.append((str(item.id), _local(item.occurred_at), item.person.name,
                     item.service.name, incidents.KIND_WORDS.get(item.kind, item.kind),
                     item.severity, item.state, item.learning or "-",
                     "; ".join(change["words"] for change in changes) or "-"))
    echo_table(rows)
    click.echo(f"{len(found)} incident{'' if len(found) == 1 else 's'}.")


@click.group("restrictions")
def restrictions_group() -> None:
    """The restrictive-practice register."""


@restrictions_group.command("list")
@click.option("--service", help="Only this service's register.")
@with_appcontext
def restrictions_list(service: Optional[str]) -> None:
    """List every restriction in force: review date, overdue, uses in the last 90 days."""
    from .cli import require_schema

    require_schema()
    service = _service(service)
    today = engine().today()
    window = engine().settings["incidents.uses_window_days"]
    found = restrictions.register_of(db.session, CLI, today, service=service,
                                     window_days=window)
    if not found:
        click.echo("No restrictions in force.")
        return
    rows = [("id", "person", "service", "review by", "overdue", f"uses ({window} days)",
             "last decision", "restriction")]
    for row in found:
        rows.append((str(row["id"]), row["person"], row["service"], row["review_date"] or "-",
                     "yes" if row["overdue"] else "no", str(row["uses_90_days"]),
                     row["decision"] or "-", row["description"]))
    echo_table(rows)
    overdue = sum(1 for row in found if row["overdue"])
    click.echo(f"{len(found)} restriction{'' if len(found) == 1 else 's'} in force, "
               f"{overdue} overdue for review.")


@click.group("feedback")
def feedback_group() -> None:
    """Compliments, concerns, complaints and suggestions."""


@feedback_group.command("list")
@click.option("--service", help="Only this service's feedback.")
@click.option("--kind", help="Only this kind (compliment, concern, complaint, suggestion).")
@with_appcontext
def feedback_list(service: Optional[str], kind: Optional[str]) -> None:
    """List feedback, newest first; a complaint shows its state and any step past due."""
    from .cli import require_schema

    require_schema()
    service = _service(service)
    kind = _choice(kind, list(feedback_ops.KINDS), "--kind")
    today = engine().today()
    found = feedback_ops.visible(db.session, CLI, service=service, kind=kind)
    if not found:
        click.echo("No feedback.")
        return
    rows = [("id", "received", "person", "service", "kind", "from", "state", "text")]
    for item in found:
        state = "-"
        if item.kind == "complaint":
            late = feedback_ops.overdue(item, today)
            state = item.state + (f" ({', '.join(late)} overdue)" if late else "")
        rows.append((str(item.id), item.received_on.isoformat(), item.person.name,
                     item.service.name, item.kind, feedback_ops.source_words(item), state,
                     item.text))
    echo_table(rows)
    click.echo(f"{len(found)} item{'' if len(found) == 1 else 's'} of feedback.")


LEARNING_COMMANDS = [incidents_group, restrictions_group, feedback_group]
