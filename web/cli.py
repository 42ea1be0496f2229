"""The `strengthwise` command line (also `flask --app web …`)."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from engine import DefinitionError, load_registry, load_settings
from engine.care.language import vocabulary_of
from engine.core import accounts
from engine.core.audit import verify_chain
from engine.core.errors import Forbidden, Invalid, NotFound
from engine.core.users import new_password
from engine.schema import current_revision, head_revision, upgrade

from .cli_common import echo_table, known_services
from .cli_learning import LEARNING_COMMANDS
from .extensions import db
from .runtime import engine


def require_schema() -> None:
    """Stop with a clear instruction if the database is missing or behind the code."""
    current, head = current_revision(db.engine), head_revision()
    if current is None:
        raise click.ClickException(f"the database {db.engine.url.render_as_string()} has no "
                                   "strengthwise schema yet: run `strengthwise init` first")
    if current != head:
        raise click.ClickException(f"the database schema is at {current} but this version "
                                   f"needs {head}: run `strengthwise init` to upgrade it")


COMMANDS = []  # filled below, registered on the app and on the `strengthwise` group


def register_commands(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


@click.command("init")
@click.option("--demo", is_flag=True, help="Add demo services, users, people and plans.")
@with_appcontext
def init_command(demo: bool) -> None:
    """Create or upgrade the database; load workflows and rule packs. Idempotent."""
    before, after = upgrade(db.engine)
    if before == after:
        click.echo(f"Database is up to date (schema {after}).")
    else:
        click.echo(f"Database upgraded from schema {before or 'empty'} to {after}.")
    registry = engine().registry
    for workflow in registry.workflows.values():
        pack = registry.pack_for(workflow)
        click.echo(f"Workflow {workflow.name}: {len(workflow.states)} states, "
                   f"{len(workflow.transitions)} transitions, rule pack {pack.label} "
                   f"({len(pack.rules)} rules).")
    if demo:
        from .demo import load_demo
        load_demo(db.session, engine(), click.echo)


@click.group("user")
def user_group() -> None:
    """Manage users."""


@user_group.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["staff", "manager", "auditor", "admin"]))
@click.option("--service", "services", multiple=True, required=True,
              help="A service the user works in (repeat for several); created if new.")
@with_appcontext
def user_add(username: str, role: str, services: tuple[str, ...]) -> None:
    """Create a user. Reads a password from stdin if piped, else generates one.
    The last line printed is the user's API token."""
    require_schema()
    piped = sys.stdin is not None and not sys.stdin.isatty()
    password = sys.stdin.readline().rstrip("\r\n") if piped else ""
    generated = not password  # nothing piped (or an empty stdin such as /dev/null)
    password = password or new_password()
    with account_errors(f"cannot add user {username}"):
        user, token = accounts.create_account(db.session, accounts.CLI, username, role,
                                              list(services), password, engine().now(),
                                              engine().settings["security.token_days"])
    click.echo(f"Added {user.role} {user.username} in {', '.join(user.service_names)}.")
    if generated:
        click.echo(f"Password: {password}")
    click.echo(token)


@user_group.command("list")
@with_appcontext
def user_list() -> None:
    """List users: role, services, last sign-in, active or not, and any sign-in lock."""
    from zoneinfo import ZoneInfo

    from engine.core.users import throttled_until

    from .auth import throttle_policy

    require_schema()
    now, zone = engine().now(), ZoneInfo(engine().settings["timezone"])
    rows = [("username", "role", "services", "last sign-in", "status")]
    for user in accounts.list_users(db.session, accounts.CLI):
        locked = throttled_until(db.session, user.username, None, now, throttle_policy())
        status = "active" if user.active else "inactive"
        if locked:
            status += f", sign-in locked until {locked.astimezone(zone):%Y-%m-%d %H:%M}"
        rows.append((user.username, user.role, ",".join(user.service_names),
                     f"{user.last_sign_in_at.astimezone(zone):%Y-%m-%d %H:%M}"
                     if user.last_sign_in_at else "never", status))
    echo_table(rows)


@user_group.command("deactivate")
@click.argument("username")
@with_appcontext
def user_deactivate(username: str) -> None:
    """Stop a leaver: every session and API token of theirs stops working at once."""
    require_schema()
    with account_errors(f"cannot deactivate {username}"):
        accounts.deactivate(db.session, accounts.CLI, username, engine().now())
    click.echo(f"Deactivated {username}: every session and API token ended.")


@user_group.command("reactivate")
@click.argument("username")
@with_appcontext
def user_reactivate(username: str) -> None:
    """Let a returning user sign in again (`token rotate` gives them a new API token)."""
    require_schema()
    with account_errors(f"cannot reactivate {username}"):
        accounts.reactivate(db.session, accounts.CLI, username, engine().now())
    click.echo(f"Reactivated {username}.")


@user_group.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(["staff", "manager", "auditor", "admin"]))
@with_appcontext
def user_set_role(username: str, role: str) -> None:
    """Change a user's role."""
    require_schema()
    with account_errors(f"cannot change the role of {username}"):
        accounts.set_role(db.session, accounts.CLI, username, role, engine().now())
    click.echo(f"{username} is now {role}.")


@user_group.command("set-services")
@click.argument("username")
@click.option("--service", "services", multiple=True, required=True,
              help="A service the user works in (repeat for several); created if new.")
@with_appcontext
def user_set_services(username: str, services: tuple[str, ...]) -> None:
    """Make a user's services exactly the ones given."""
    require_schema()
    with account_errors(f"cannot change the services of {username}"):
        user = accounts.set_services(db.session, accounts.CLI, username, list(services),
                                     engine().now())
    click.echo(f"{username} works in {', '.join(user.service_names)}.")


@user_group.command("add-approver")
@click.argument("username")
@click.option("--service", "service", required=True,
              help="The service whose plans this manager may now approve.")
@with_appcontext
def user_add_approver(username: str, service: str) -> None:
    """Let a manager of another service approve (and manage) this service's plans."""
    require_schema()
    with account_errors(f"cannot add {username} as an approver for {service}"):
        user = accounts.add_approver(db.session, accounts.CLI, username, service,
                                     engine().now())
    click.echo(f"{username} can now approve plans in {service} (works in "
               f"{', '.join(user.service_names)}).")


@user_group.command("unlock")
@click.argument("username")
@with_appcontext
def user_unlock(username: str) -> None:
    """Clear the failed sign-ins that hold an account shut."""
    require_schema()
    with account_errors(f"cannot unlock {username}"):
        cleared = accounts.unlock(db.session, accounts.CLI, username, engine().now())
    click.echo(f"Unlocked {username} ({cleared} failed sign-in{'' if cleared == 1 else 's'} "
               "cleared).")


@click.group("token")
def token_group() -> None:
    """Manage API tokens."""


@token_group.command("rotate")
@click.argument("username")
@with_appcontext
def token_rotate(username: str) -> None:
    """Issue a new API token; every earlier one stops working. The last line is the token."""
    require_schema()
    days = engine().settings["security.token_days"]
    with account_errors(f"cannot rotate the token of {username}"):
        token = accounts.rotate_token(db.session, accounts.CLI, username, engine().now(), days)
    click.echo(f"New API token for {username}, valid for {days} days; earlier ones are revoked.")
    click.echo(token)


@contextmanager
def account_errors(what: str):
    """An account change the engine refused, as one line on stderr and exit 1."""
    try:
        yield
    except (Invalid, NotFound, Forbidden) as exc:
        problems = "; ".join(f"{field}: {', '.join(msgs)}"
                             for field, msgs in (exc.details or {}).items()) or exc.message
        raise click.ClickException(f"{what}: {problems}") from None


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (config server.host).")
@click.option("--port", default=None, type=int, help="Port to listen on (config server.port).")
@click.option("--workers", default=1, type=click.IntRange(min=1), show_default=True,
              help="Processes to serve with: 1 is waitress in this process; more is gunicorn "
                   "(POSIX), and the scheduler must then run as `strengthwise scheduler`.")
@with_appcontext
def serve_command(host: str | None, port: int | None, workers: int) -> None:
    """Run the web app and API: waitress in this process, or gunicorn with --workers N."""
    require_schema()
    settings = engine().settings
    host = host or settings["server.host"]
    port = port or settings["server.port"]
    app = current_app._get_current_object()
    if workers > 1:
        from .workers import serve_workers

        # An embedded scheduler would run once per worker: the operator runs one instead.
        click.echo(f"Scheduler not running in the {workers} web workers: run one "
                   "`strengthwise scheduler` process beside them.", err=True)
        click.echo(f"strengthwise serving on http://{host}:{port} with {workers} gunicorn "
                   "workers (Ctrl+C to stop)", err=True)
        db.session.remove()  # nothing of the master's session is carried into the workers
        serve_workers(app, host, port, workers, settings["server.threads"])
        return
    from waitress import serve

    scheduler = None
    if settings["scheduler.embedded"]:
        from .scheduler import start_in_background
        scheduler = start_in_background(app)
        click.echo(f"Scheduler running in this process, every "
                   f"{settings['scheduler.interval_seconds']} s.", err=True)
    click.echo(f"strengthwise serving on http://{host}:{port} (Ctrl+C to stop)", err=True)
    try:
        serve(app, host=host, port=port, threads=settings["server.threads"],
              ident="strengthwise")
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


@click.command("tick")
@click.option("--now", "at", default=None,
              help="Sweep as of this ISO date-time (default: now); naive times are UTC.")
@with_appcontext
def tick_command(at: str | None) -> None:
    """Fire due timers and escalate overdue tasks once; print what was done."""
    from datetime import datetime

    from engine.core.clock import as_utc
    from engine.core.sweep import sweep

    require_schema()
    try:
        now = as_utc(datetime.fromisoformat(at)) if at else engine().now()
    except ValueError:
        raise click.BadParameter(f"{at!r} is not an ISO date-time such as 2027-01-12T09:00",
                                 param_hint="--now") from None
    report = sweep(engine(), db.session, now,
                   batch_size=current_app.config["SWEEP_BATCH_SIZE"],
                   on_result=lambda result: click.echo(result.describe()))
    for task in report.escalated:
        click.echo(f"escalated: {task.title} → the managers of {task.service.name}")
    click.echo(report.summary())


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler as the one dedicated process of a multi-worker install."""
    from .scheduler import run_blocking

    require_schema()
    settings = engine().settings
    click.echo(f"strengthwise scheduler: sweeping every {settings['scheduler.interval_seconds']}"
               " s (Ctrl+C to stop). Set scheduler.embedded = false for the web workers.",
               err=True)
    run_blocking(current_app._get_current_object())


@click.group("audit")
def audit_group() -> None:
    """Check the audit trail."""


@audit_group.command("verify")
@click.option("--checkpoint", "checkpoint_file", type=click.Path(path_type=Path),
              help="A signed checkpoint: check the chain still extends its head, reading only "
                   "the events after it.")
@with_appcontext
def audit_verify(checkpoint_file: Path | None) -> None:
    """Verify the whole audit chain (or what follows a checkpoint); exit 1 naming the first
    bad event."""
    from engine.core.checkpoints import CheckpointError, read_checkpoint, verify_from

    require_schema()
    if checkpoint_file is None:
        report, since = verify_chain(db.session), ""
    else:
        try:
            checkpoint = read_checkpoint(checkpoint_file, chain_key().public_key())
        except CheckpointError as exc:
            click.echo(f"Checkpoint refused: {exc}", err=True)
            sys.exit(1)
        report = verify_from(db.session, checkpoint)
        since = f" after the checkpoint of event {checkpoint.seq} ({checkpoint.at})"
    if report.ok:
        click.echo(f"Audit chain intact: {report.checked} events verified{since}.")
        return
    click.echo(f"Audit chain BROKEN at event {report.bad_seq}: {report.problem} "
               f"({report.checked} events verified before it{since}).", err=True)
    sys.exit(1)


@audit_group.command("checkpoint")
@click.option("--out", type=click.Path(path_type=Path),
              help="Write the checkpoint here (default: a new file in audit.checkpoint_dir).")
@with_appcontext
def audit_checkpoint(out: Path | None) -> None:
    """Sign the chain's head with the installation's key and write it outside the database.
    Refuses (exit 1) if the chain does not verify from the previous checkpoint."""
    from engine.core.checkpoints import CheckpointRefused, checkpoint_now

    require_schema()
    try:
        checkpoint, path = checkpoint_now(db.session, chain_key(), engine().now(),
                                          checkpoint_dir(), out)
    except CheckpointRefused as exc:
        click.echo(f"No checkpoint written: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Checkpoint of event {checkpoint.seq} ({checkpoint.hash}) at {checkpoint.at}, "
               f"signed by {checkpoint.document['key_fingerprint']}, written to {path}")


def chain_key():
    from engine.core.checkpoints import signing_key
    return signing_key(engine().settings.file_path("audit.signing_key"))


def checkpoint_dir() -> Path:
    return engine().settings.file_path("audit.checkpoint_dir")


@audit_group.command("quality")
@click.option("--service", "services", multiple=True,
              help="A service to audit (repeat for several; default: every service).")
@with_appcontext
def audit_quality(services: tuple[str, ...]) -> None:
    """Run the auditable-validation rules across services; print findings per record."""
    from engine.care.quality import run_quality_audit

    require_schema()
    known = known_services(services)
    registry, today = engine().registry, engine().today()
    click.echo(f"Plan quality audit as of {today} (rule pack {registry.packs['quality'].label})")
    total = 0
    for service in services or known:
        findings = run_quality_audit(db.session, registry, service, today)
        total += len(findings)
        click.echo(f"\n{service}: {len(findings)} finding{'' if len(findings) == 1 else 's'}")
        current = None
        for finding in findings:
            where = (f"plan {finding.plan_id} ({finding.person})" if finding.plan_id
                     else f"{finding.record_type} {finding.record_id}")
            if where != current:
                click.echo(f"  {where}")
                current = where
            click.echo(f"    [{finding.rule}] {finding.record_type} {finding.record_id}: "
                       f"{finding.detail}")
    click.echo(f"\n{total} finding{'' if total == 1 else 's'} in all.")


@click.group("rules")
def rules_group() -> None:
    """Rule packs and workflow definitions."""


@rules_group.command("check")
def rules_check() -> None:
    """Validate rule packs and workflow definitions; exit 1 listing every problem."""
    try:
        registry = load_registry(load_settings())
    except DefinitionError as exc:
        click.echo(f"{len(exc.problems)} problem(s) in the workflow definitions and rule packs:",
                   err=True)
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)
    for workflow in registry.workflows.values():
        pack = registry.pack_for(workflow)
        click.echo(f"ok  {workflow.source.name}: {len(workflow.states)} states, "
                   f"{len(workflow.transitions)} transitions; {pack.source.name} "
                   f"{pack.label}: {len(pack.rules)} rules")
    used = {workflow.rule_pack for workflow in registry.workflows.values()}
    for pack in registry.packs.values():
        if pack.name not in used:
            click.echo(f"ok  {pack.source.name} {pack.label}: {len(pack.rules)} rules")
    vocabulary = vocabulary_of(registry)
    click.echo(f"ok  {vocabulary.label}: {len(vocabulary.terms)} recording-language terms")


def _create_app(*_args, **_kwargs) -> Flask:
    from . import create_app
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False, load_dotenv=False, set_debug_flag=False)
def main() -> None:
    """strengthwise: strengths-based support plans, reviews and their audit trail."""


COMMANDS += [init_command, user_group, token_group, serve_command, tick_command, scheduler_command,
             audit_group, rules_group]
COMMANDS += LEARNING_COMMANDS  # incidents, restrictions and feedback listings (SPEC §10.4)
for _command in COMMANDS:
    main.add_command(_command)
