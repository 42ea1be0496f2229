"""The authorization matrix, generated from the OpenAPI document.

Every operation the API publishes (path × method, bar /openapi.json) is tried by every role
(staff, manager, auditor, admin) against every kind of target: a record of the caller's own
service, one of another service, and for the staff workflows (supervision, competency) also
the caller's own staff record and a colleague's. The answer each cell should get is worked out
by `expected()` below from the scope policy (SPEC §1, §10.1) — it is never a table of answers
seen — and each cell is then sent with a minimal valid body and real version numbers.

For every refusal (403/404/409/422) nothing may change: the target's document, as a manager of
its service reads it, and the number of audit events other than the audit of the refused attempt
itself (`denied`, and `blocked` when the answer is 422 blocked) are the same before and after.
A refusal never returns an event number; a 404 never names a state or a version.

The world is built once per backend with real API calls and reused: a refusal leaves it as it
was, and a target that a successful write moved on is rebuilt the next time it is needed (cells
that succeed and consume their target run last).
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any, Iterator

from sqlalchemy import select, text

from engine.core.models import Task
from engine.core.users import add_user
from tests.helpers import Api, daily_record, plan_content, review_record
from web.extensions import db

HOME, AWAY = "riverside", "northgate"
MANAGER_OF = {HOME: "max", AWAY: "nina"}     # reads a target's document, builds its records
STAFF_OF = {HOME: "sam", AWAY: "oli"}        # drafts a service's plans, is its key worker
SERVICE_OF = {"sam": HOME, "sue": HOME, "mia": HOME, "max": HOME, "oli": AWAY, "nina": AWAY}
WORKFLOW_OF = {"plan": "support_plan", "supervision": "supervision", "competency": "competency",
               "incident": "incident", "restriction": "restriction", "feedback": "complaint"}
# The transitions tried on each kind: one staff may fire, one only managers may.
TRANSITIONS_TRIED = {"plan": ("request_approval", "approve"),
                     "supervision": ("record", "sign_off"),
                     "competency": ("complete_training", "assess"),
                     # Only managers review incidents and open restriction reviews.
                     "incident": ("review_incident",),
                     "restriction": ("restriction_review_due",),
                     # a complaint's steps are all the managers': one from each of two states
                     "feedback": ("acknowledge", "respond")}
KIND_OF_COLLECTION = {"plans": "plan", "people": "person", "tasks": "task",
                      "supervisions": "supervision", "competencies": "competency",
                      "reports": "report", "me": "me", "incidents": "incident",
                      "restrictions": "restriction", "feedback": "feedback"}
REFUSALS = (403, 404, 409, 422)
ERROR_CODES = {403: {"forbidden"}, 404: {"not_found"}, 409: {"conflict"},
               422: {"invalid", "blocked"}}

PROMPTS = {"strengths_identified": "Noticed Margaret remembers the steps from the card",
           "deficit_drift": "Wrote 'refused' once; talked about 'declined' instead",
           "risk_balance": "Kettle risk managed with a one-cup kettle",
           "support_reduction": "Breakfast prompts could drop to one",
           "outcomes_changed": "Breakfast with one prompt most days",
           "learning_to_share": "Picture cards help; share at team meeting"}
TRAINING = {"completed_on": "2026-11-18",
            "learning_outcomes": "Reframes assessment questions around strengths",
            "case_study": "Presented Margaret's breakfast routine at the team case study"}
ASSESSMENT = {"competency_check": "Passed: records show observed strengths and outcome links",
              "follow_up_supervision_on": "2026-12-15"}
COMPLAINT = {"received_on": "2026-11-19", "source": "family", "kind": "complaint",
             "text": "Nobody said the visit was moved."}
COMPLAINT_STEPS = {"acknowledge": {"acknowledgement": "Phoned the family the same day and "
                                                      "said we would reply in writing."},
                   "respond": {"response": "Wrote back: the rota change was not passed on.",
                               "finding": "upheld"}}
OBSERVATION = {"observed_on": "2026-11-19", "setting": "Morning visit, Margaret's kitchen",
               "observed": "Waited before prompting; let Margaret lead the routine",
               "how_applied": "Used her preference for routine as the tool, not a barrier"}


INCIDENT = {"occurred_at": "2026-11-19T10:00:00Z", "kind": "fall", "severity": "low",
            "description": "Slipped on the bathroom mat and sat down; not hurt.",
            "immediate_action": "Helped her up and checked for injury.",
            "people_informed": ["daughter"]}
RESTRICTION = {"id": "r2", "description": "Front door alarm at night",
               "why_proportionate": "Least restrictive way to know she has gone out",
               "monitoring": "Each time the alarm sounds", "escalation": "Review after a month",
               "restrictive": True, "justification": "Best-interests decision with her son",
               "review_date": "2026-12-20"}


def supervision_record(plan_id: int, outcome_id: str = "o1") -> dict[str, Any]:
    return {"observed_strength": "Margaret planned the week's meals herself",
            "support_provided": "Coached through the breakfast routine",
            "independence_opportunity": "Try the hob check alone",
            "outcome_link": {"plan_id": plan_id, "outcome_id": outcome_id},
            "next_step": "Agree fewer prompts at the review", "prompts": dict(PROMPTS)}


# --- who asks, what they ask about, and what they may ------------------------------------------

@dataclass(frozen=True)
class Caller:
    name: str
    role: str
    services: frozenset[str]


CALLERS = (Caller("sam", "staff", frozenset({HOME})),
           Caller("mia", "manager", frozenset({HOME})),
           Caller("aud", "auditor", frozenset({HOME})),
           Caller("adm", "admin", frozenset({HOME})))
EXTRA_USERS = {"aud": "auditor", "adm": "admin"}   # made with add_user, riverside only
# A colleague: someone else's staff record in the caller's own service, and whose task.
COLLEAGUE = {"sam": "sue", "mia": "sam", "aud": "sam", "adm": "sam"}
COLLEAGUE_TASK = {"sam": "sue", "mia": "max", "aud": "sue", "adm": "sue"}


@dataclass
class Rec:
    """One record in the world (or, for a `service` target, a service named in a body)."""

    key: str
    kind: str                     # plan, person, supervision, competency, task, service
    id: int | None
    service: str
    worker: str | None = None     # supervision / competency: whose staff record it is
    assignee: str | None = None   # task: who holds it
    task_role: str | None = None  # task: the role whose pool it is in


@dataclass(frozen=True)
class Operation:
    method: str
    path: str            # as in openapi.json
    success: int         # the 2xx status the document gives
    transition: str | None = None

    @property
    def parts(self) -> list[str]:
        return self.path.strip("/").split("/")

    @property
    def kind(self) -> str:
        return KIND_OF_COLLECTION[self.parts[0]]

    @property
    def has_id(self) -> bool:
        return "{id}" in self.path

    @property
    def sub(self) -> str:
        """What follows `{id}`: "", "audit", "transitions/{name}", "claim", …"""
        return "/".join(self.parts[2:]) if self.has_id else ""

    @property
    def writes(self) -> bool:
        return self.method != "GET"

    @property
    def consumes(self) -> bool:
        """A success moves the target on (state, holder or editors): rebuild it afterwards."""
        return self.transition is not None or self.sub in ("claim", "release") or (
            self.kind == "plan" and self.method == "PUT")

    def __str__(self) -> str:
        path = self.path.replace("{name}", self.transition) if self.transition else self.path
        return f"{self.method} {path}"


def sees(caller: Caller, record: Rec) -> bool:
    """The scope policy: may this caller know that this record exists?"""
    in_service = record.service in caller.services
    if record.kind == "service":
        return in_service
    if caller.role == "admin":
        return False                           # an IT role reads no care records (SPEC §1)
    if record.kind in ("plan", "person", "incident", "restriction", "feedback"):
        return in_service                      # members of the service
    if record.kind in ("supervision", "competency"):
        if caller.role == "staff":
            return record.worker == caller.name  # their own, never a colleague's
        return in_service                      # managers and auditors of the service
    if record.kind == "task":
        if not in_service:
            return False
        if caller.role in ("manager", "auditor"):
            return True                        # they oversee every task of their services
        return record.assignee == caller.name or (
            record.assignee is None and record.task_role in (None, caller.role))
    raise AssertionError(f"no scope rule for {record.kind}")


def in_inbox(caller: Caller, task: Rec) -> bool:
    """GET /tasks: your own tasks and your services' unclaimed ones for your role (auditors:
    every task of their services; admins: none). A colleague's task is in their inbox, not yours."""
    if task.service not in caller.services or caller.role == "admin":
        return False                           # tasks name people: not an admin's
    if caller.role == "auditor":
        return True
    return task.assignee == caller.name or (task.assignee is None
                                           and task.task_role in (None, caller.role))


def permitted(op: Operation, caller: Caller, target: Rec | None, registry) -> bool:
    """The role policy: reading is for everyone who sees; changing is for the roles below."""
    role = caller.role
    if op.method == "GET":
        if op.sub == "access-log":
            return role in ("auditor", "admin")
        if op.kind == "report":
            return role in ("manager", "auditor", "admin")
        return True
    if op.transition:
        workflow = registry.workflow(WORKFLOW_OF[op.kind])
        return role in workflow.transitions[op.transition].roles
    if op.kind in ("supervision", "competency") and not op.has_id:
        return role == "manager"               # scheduling and enrolling manage staff practice
    if op.sub in ("assessment", "observations"):
        return role == "manager"
    if op.sub == "training":
        return role == "manager" or target.worker == caller.name
    if op.sub == "record":                     # the supervisor writes it, never the supervisee
        return role in ("staff", "manager") and target.worker != caller.name
    if op.sub == "reflections":                # the supervisee's own, nobody else's
        return target.worker == caller.name
    # creating people and plans, editing drafts, acknowledging, daily records, reviews,
    # supervision records, claiming and releasing tasks
    return role in ("staff", "manager")


def expected(op: Operation, caller: Caller, target: Rec | None, registry) -> int:
    """The status the policy says this cell gets."""
    if op.has_id and not sees(caller, target):
        return 404                             # outside your scope nothing exists: 404 first
    if not permitted(op, caller, target, registry):
        return 403
    if op.kind == "task" and op.has_id:        # the task is visible and the role may claim
        if op.sub == "claim":
            if target.assignee is not None:
                return 409                     # already taken (by you or a colleague)
            return 403 if target.task_role not in (None, caller.role) else op.success
        return op.success if target.assignee == caller.name else 409
    if not op.has_id and target is not None and target.service not in caller.services:
        if op.method == "POST":                # naming another service's person or service
            return 404 if op.kind == "plan" else 422
        if op.kind == "report":
            return 404
    if op.transition in ("sign_off", "record") and target.worker == caller.name:
        return 422                             # four eyes: nobody records or signs off their own
    return op.success


def listed(op: Operation, caller: Caller, target: Rec) -> bool:
    """For a list: should the target be in it?"""
    return in_inbox(caller, target) if op.kind == "task" else sees(caller, target)


# --- the operations and their targets -----------------------------------------------------------

def operations(document: dict) -> Iterator[Operation]:
    for path, methods in document["paths"].items():
        if path == "/openapi.json":
            continue
        for method, spec in methods.items():
            success = min(int(code) for code in spec["responses"] if code.startswith("2"))
            op = Operation(method.upper(), path, success)
            if path.endswith("/transitions/{name}"):
                for name in TRANSITIONS_TRIED[op.kind]:
                    yield Operation(op.method, path, success, name)
            else:
                yield op


def plan_state(op: Operation) -> str:
    if (op.method == "PUT" and op.sub == "") or op.transition in ("request_approval", "approve"):
        return "draft"
    return "review" if op.sub == "reviews" else "active"


def targets(op: Operation, caller: Caller) -> list[tuple[str, str | None]]:
    """(label, world key) for every target of this operation, as this caller would name it."""
    own, other = "own service", "another service"
    kind = op.kind
    if kind == "me":
        return [("-", None)]
    if kind == "report" or (op.method == "POST" and not op.has_id and kind != "plan"):
        return [(own, f"service:{HOME}"), (other, f"service:{AWAY}")]
    if kind == "person" or (kind == "plan" and op.method == "POST" and not op.has_id):
        return [(own, f"person:{HOME}"), (other, f"person:{AWAY}")]
    if kind in ("incident", "restriction"):
        return [(own, f"{kind}:{HOME}"), (other, f"{kind}:{AWAY}")]
    if kind == "feedback":
        state = "acknowledged" if op.transition == "respond" else "received"
        return [(own, f"feedback:{HOME}:{state}"), (other, f"feedback:{AWAY}:{state}")]
    if kind == "plan":
        state = plan_state(op)
        return [(own, f"plan:{HOME}:{state}"), (other, f"plan:{AWAY}:{state}")]
    if kind in ("supervision", "competency"):
        if kind == "supervision":
            state = "recorded" if op.transition == "sign_off" else "scheduled"
        else:
            state = "trained" if (op.sub in ("assessment", "observations")
                                  or op.transition == "assess") else "enrolled"
        mine = [("own staff record", f"{kind}:{caller.name}:{state}")] \
            if caller.role in ("staff", "manager") else []
        return mine + [("colleague's staff record", f"{kind}:{COLLEAGUE[caller.name]}:{state}"),
                       (other, f"{kind}:oli:{state}")]
    if kind == "task":
        mine = [("task the caller holds", f"task:{caller.name}")] \
            if caller.role in ("staff", "manager") else []
        return mine + [("colleague's task", f"task:{COLLEAGUE_TASK[caller.name]}"),
                       ("managers' pool task", "task:pool"), (other, "task:oli")]
    raise AssertionError(f"no targets for {op}: add it to the matrix")


# --- the world ------------------------------------------------------------------------------------

class World:
    """Records built on demand through the API, and rebuilt when a success consumed them."""

    def __init__(self, api: Api, app):
        self.api, self.app = api, app
        self.records: dict[str, Rec] = {}
        self.dirty: set[str] = set()
        self.snapshots: dict[str, Any] = {}
        self.rebuilt = 0
        self._people = 0

    def __getitem__(self, key: str) -> Rec:
        if key not in self.records or key in self.dirty:
            self.rebuilt += key in self.dirty
            self.dirty.discard(key)
            self.snapshots.pop(key, None)
            kind, *args = key.split(":")
            self.records[key] = getattr(self, f"_build_{kind}")(key, *args)
        return self.records[key]

    def consumed(self, key: str) -> None:
        self.dirty.add(key)
        self.snapshots.pop(key, None)

    # builders --------------------------------------------------------------------------------

    def _ok(self, response, status=(200, 201)):
        assert response.status in ((status,) if isinstance(status, int) else status), response
        return response.json

    def _build_service(self, key: str, service: str) -> Rec:
        return Rec(key, "service", None, service)

    def _build_person(self, key: str, service: str) -> Rec:
        self._people += 1
        person = self.api.as_(STAFF_OF[service]).new_person(f"Person {self._people}", service)
        return Rec(key, "person", person, service)

    def _new_plan(self, service: str, state: str, **content) -> int:
        staff, manager = self.api.as_(STAFF_OF[service]), self.api.as_(MANAGER_OF[service])
        self._people += 1
        person = staff.new_person(f"Person {self._people}", service)
        plan = staff.new_plan(person, **plan_content(key_worker=STAFF_OF[service],
                                                     **content))["id"]
        if state in ("active", "review"):
            self._ok(manager.fire(plan, "approve"))
            self._ok(staff.post(f"/plans/{plan}/acknowledgements", {}))
            self._ok(manager.fire(plan, "activate"))
            self._ok(staff.post(f"/plans/{plan}/records", daily_record()))
        if state == "review":
            self._ok(manager.fire(plan, "start_review", reason="The family asked for a review"))
        if state == "requested":
            self._ok(staff.fire(plan, "request_approval"))
        return plan

    def _build_plan(self, key: str, service: str, state: str) -> Rec:
        return Rec(key, "plan", self._new_plan(service, state), service)

    def _build_incident(self, key: str, service: str) -> Rec:
        person = self._ok(self.api.as_(MANAGER_OF[service]).get(
            f"/plans/{self[f'plan:{service}:active'].id}"))["person_id"]
        incident = self._ok(self.api.as_(STAFF_OF[service]).post(
            f"/people/{person}/incidents", INCIDENT))["id"]
        return Rec(key, "incident", incident, service)

    def _build_restriction(self, key: str, service: str) -> Rec:
        plan = self._new_plan(service, "active",
                              risks=plan_content()["risks"] + [RESTRICTION])
        rows = self._ok(self.api.as_(MANAGER_OF[service]).get(
            f"/restrictions?service={service}"))["restrictions"]
        return Rec(key, "restriction", next(r["id"] for r in rows if r["plan_id"] == plan),
                   service)
    def _build_feedback(self, key: str, service: str, state: str) -> Rec:
        """A complaint about a person of the service, acknowledged if asked."""
        person = self[f"person:{service}"].id
        complaint = self._ok(self.api.as_(STAFF_OF[service]).post(
            f"/people/{person}/feedback", COMPLAINT))
        if state == "acknowledged":
            self._ok(self.api.as_(MANAGER_OF[service]).post(
                f"/feedback/{complaint['id']}/transitions/acknowledge",
                {"version": complaint["version"], **COMPLAINT_STEPS["acknowledge"]}))
        return Rec(key, "feedback", complaint["id"], service)

    def _scheduler(self, worker: str) -> Api:
        return self.api.as_(MANAGER_OF[SERVICE_OF[worker]])

    def _build_supervision(self, key: str, worker: str, state: str) -> Rec:
        service, by = SERVICE_OF[worker], self._scheduler(worker)
        supervision = self._ok(by.post("/supervisions", {
            "supervisee": worker, "service": service, "scheduled_for": "2026-12-01"}))["id"]
        evidence = self[f"plan:{service}:active"].id
        self._ok(by.put(f"/supervisions/{supervision}/record", supervision_record(evidence)))
        if state == "recorded":
            version = self._ok(by.get(f"/supervisions/{supervision}"))["version"]
            self._ok(by.post(f"/supervisions/{supervision}/transitions/record",
                             {"version": version}))
        return Rec(key, "supervision", supervision, service, worker=worker)

    def _build_competency(self, key: str, worker: str, state: str) -> Rec:
        service, by = SERVICE_OF[worker], self._scheduler(worker)
        competency = self._ok(by.post("/competencies", {"worker": worker,
                                                        "service": service}))["id"]
        self._ok(by.put(f"/competencies/{competency}/training", TRAINING))
        if state == "trained":
            version = self._ok(by.get(f"/competencies/{competency}"))["version"]
            self._ok(by.post(f"/competencies/{competency}/transitions/complete_training",
                             {"version": version}))
            self._ok(by.put(f"/competencies/{competency}/assessment", ASSESSMENT))
        return Rec(key, "competency", competency, service, worker=worker)

    def _build_task(self, key: str, whose: str) -> Rec:
        """A task of its own subject: the caller's, a colleague's, the managers' pool's."""
        if whose == "pool":
            subject_type, subject_id, kind = "plan", self._new_plan(HOME, "requested"), \
                "approve_plan"
        elif whose in ("mia", "max"):   # a manager holds the supervision they scheduled
            subject_type, kind = "supervision", "hold_supervision"
            subject_id = self._ok(self.api.as_(whose).post("/supervisions", {
                "supervisee": "sue", "service": HOME, "scheduled_for": "2026-12-01"}))["id"]
        else:                           # a worker holds the training of their enrolment
            subject_type, kind = "competency", "complete_training"
            subject_id = self._ok(self._scheduler(whose).post("/competencies", {
                "worker": whose, "service": SERVICE_OF[whose]}))["id"]
        with self.app.app_context():
            task = db.session.scalar(select(Task).where(
                Task.subject_type == subject_type, Task.subject_id == subject_id,
                Task.kind == kind, Task.status == "open"))
            rec = Rec(key, "task", task.id, task.service.name,
                      assignee=task.assignee.username if task.assignee else None,
                      task_role=task.role)
            db.session.remove()
        return rec

    # what a refusal must leave as it was -------------------------------------------------------

    def snapshot(self, rec: Rec | None) -> Any:
        if rec is None:
            return None
        if rec.key in self.snapshots:
            return self.snapshots[rec.key]
        reader = self.api.as_(MANAGER_OF[rec.service])
        if rec.kind == "plan":
            base = f"/plans/{rec.id}"
            value = [reader.get(base + sub).json
                     for sub in ("", "/records", "/reviews", "/acknowledgements")]
        elif rec.kind == "person":
            value = reader.get(f"/people/{rec.id}").json
        elif rec.kind == "supervision":
            value = reader.get(f"/supervisions/{rec.id}").json
        elif rec.kind == "competency":
            value = reader.get(f"/competencies/{rec.id}").json
        elif rec.kind in ("incident", "restriction"):
            value = reader.get(f"/{rec.kind}s/{rec.id}").json
        elif rec.kind == "feedback":
            value = reader.get(f"/feedback/{rec.id}").json
        elif rec.kind == "task":   # no GET /tasks/{id}: the row itself
            value = self.rows("SELECT status, assignee_id, role, closed_at FROM tasks "
                              "WHERE id = :id", id=rec.id)
        else:                      # a service: nothing was added to it
            value = self.rows("SELECT (SELECT count(*) FROM people), (SELECT count(*) FROM "
                              "plans), (SELECT count(*) FROM supervisions), (SELECT count(*) "
                              "FROM competencies), (SELECT count(*) FROM tasks)")
        if rec.kind in ("plan", "person", "supervision", "competency", "incident",
                        "restriction", "feedback"):
            self.snapshots[rec.key] = value   # API reads are cached; SQL ones are cheap
        return value

    def version(self, rec: Rec) -> int:
        snapshot = self.snapshot(rec)
        return (snapshot[0] if rec.kind == "plan" else snapshot)["version"]

    def audit_tally(self) -> dict[str, int]:
        return dict(self.rows("SELECT outcome, count(*) FROM audit_events GROUP BY outcome"))

    def rows(self, sql: str, **params) -> list[tuple]:
        with self.app.app_context(), db.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]


def add_extra_users(app, users, clock) -> None:
    """The matrix's auditor and admin, riverside only, made as an installer would."""
    with app.app_context():
        for name, role in EXTRA_USERS.items():
            _, users.tokens[name] = add_user(db.session, name, role, [HOME],
                                             f"{name}-password-1", clock.now())
        db.session.remove()


def path_for(op: Operation, ident: Any = None, number: Any = 1) -> str:
    """The operation's path with its parameters filled in."""
    path = op.path.replace("{id}", "" if ident is None else str(ident))
    return path.replace("{number}", str(number)).replace("{name}", op.transition or "")


def request_for(op: Operation, caller: Caller, rec: Rec | None,
                world: World) -> tuple[str, Any]:
    """The path and a minimal valid body for this cell."""
    path = path_for(op, rec.id if rec else None)
    if op.kind == "report":
        return f"{path}?service={rec.service}", None
    if op.method == "GET":
        return path, None
    colleague = {HOME: "sue", AWAY: "oli"}[rec.service] if rec else None
    if not op.has_id:
        return path, {
            "person": lambda: {"name": "Someone New", "service": rec.service},
            "plan": lambda: {"person_id": rec.id},
            "supervision": lambda: {"supervisee": colleague, "service": rec.service,
                                    "scheduled_for": "2027-02-01"},
            "competency": lambda: {"worker": colleague, "service": rec.service},
        }[op.kind]()
    if op.transition:
        return path, {"version": world.version(rec), "comment": "Checked with the team",
                      "reason": "Asked for in the matrix",
                      **(COMPLAINT_STEPS[op.transition] if op.kind == "feedback" else {})}
    if op.kind == "plan" and op.method == "PUT":
        return path, {**plan_content(key_worker=STAFF_OF[rec.service]),
                      "version": world.version(rec)}
    return path, {
        "acknowledgements": {}, "records": daily_record(), "reviews": review_record(),
        "claim": {}, "release": {}, "training": TRAINING, "assessment": ASSESSMENT,
        "observations": OBSERVATION,
        "record": supervision_record(world[f"plan:{rec.service}:active"].id),
        "reflections": {"reflections": "I wait before prompting now."},
        "incidents": INCIDENT,
        "feedback": COMPLAINT,
    }[op.sub]


def keys_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for item in value.values() for k in keys_in(item)}
    if isinstance(value, list):
        return {k for item in value for k in keys_in(item)}
    return set()


def differences(before: Any, after: Any, where: str = "") -> list[str]:
    """Where two snapshots differ, as "path: before → after" (the first few)."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = [d for key in sorted(set(before) | set(after), key=str)
                 for d in differences(before.get(key), after.get(key), f"{where}.{key}")]
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        found = [d for index, (b, a) in enumerate(zip(before, after))
                 for d in differences(b, a, f"{where}[{index}]")]
    elif isinstance(before, list) and isinstance(after, list):
        extra = [item for item in after if item not in before]
        found = [f"{where}: {len(before)} → {len(after)} items"
                 + (f", new: {json.dumps(extra, default=str)[:160]}" if extra else "")]
    else:
        found = [] if before == after else [
            f"{where or 'value'}: {json.dumps(before, default=str)[:120]} → "
            f"{json.dumps(after, default=str)[:120]}"]
    return found[:4]


def short(response) -> str:
    return json.dumps(response.json)[:240] if response.json is not None else response.text[:240]


# --- the matrix -------------------------------------------------------------------------------

def test_every_operation_role_and_target_gets_what_the_policy_says(api, app, users, clock):
    started = time.monotonic()
    add_extra_users(app, users, clock)
    registry = app.extensions["strengthwise"].registry
    document = api.get("/openapi.json").json
    world = World(api, app)

    cells = [(op, caller, label, key) for op in operations(document) for caller in CALLERS
             for label, key in targets(op, caller)]

    def consuming_success(cell) -> bool:
        op, caller, _, key = cell
        return op.consumes and expected(op, caller, world[key] if key else None,
                                        registry) < 300

    cells.sort(key=consuming_success)   # successes that move their target on come last
    violations: list[str] = []
    for op, caller, label, key in cells:
        rec = world[key] if key else None
        want = expected(op, caller, rec, registry)
        before = world.snapshot(rec)
        path, body = request_for(op, caller, rec, world)
        tally_before = world.audit_tally()
        response = api.as_(caller.name)._call(op.method, path, body)
        where = (f"{op} as {caller.role} {caller.name} on {label}"
                 + (f" [{rec.key} #{rec.id}]" if rec and rec.id else ""))

        def violation(problem: str, where: str = where) -> None:
            violations.append(f"{where}: {problem}")

        if response.status != want:
            violation(f"expected {want}, got {response.status} {short(response)}")
        if response.status < 300:
            if op.method == "GET" and not op.has_id and rec is not None and op.kind != "report":
                collection = op.parts[0]
                ids = [item["id"] for item in (response.json or {}).get(collection, [])]
                should = listed(op, caller, rec)
                if (rec.id in ids) != should:
                    violation(f"the list {'lacks' if should else 'shows'} {rec.key} #{rec.id}")
            if op.writes and rec is not None:
                world.snapshots.pop(rec.key, None)
                if op.has_id and (op.consumes or response.status != want):
                    world.consumed(rec.key)
            continue
        if response.status not in REFUSALS:
            continue
        # A refusal: the contract's error, no event number, nothing changed.
        answer = response.json if isinstance(response.json, dict) else {}
        if answer.get("error") not in ERROR_CODES[response.status]:
            violation(f"a {response.status} must be {ERROR_CODES[response.status]}, got "
                      f"{short(response)}")
        leaked = keys_in(answer) & ({"event", "seq"} | (
            {"state", "version"} if response.status == 404 else set()))
        if leaked:
            violation(f"the {response.status} answer names {sorted(leaked)}: {short(response)}")
        if rec is not None:
            world.snapshots.pop(rec.key, None)
            after = world.snapshot(rec)
            if after != before:
                violation(f"a {response.status} changed the target: "
                          + "; ".join(differences(before, after)))
        tally_after = world.audit_tally()
        for outcome in set(tally_before) | set(tally_after):
            added = tally_after.get(outcome, 0) - tally_before.get(outcome, 0)
            allowed = 0
            if outcome == "denied":
                allowed = added       # a refused attempt is audited, never numbered
            elif outcome == "blocked" and answer.get("error") == "blocked":
                allowed = 1           # so is an attempt its rules refused
            if added != allowed:
                violation(f"a {response.status} added {added} audit event(s) with outcome "
                          f"{outcome!r}")
        if op.transition and rec is not None:   # every attempt to fire is on the record
            denied = tally_after.get("denied", 0) - tally_before.get("denied", 0)
            if response.status in (403, 404) and denied != 1:
                violation(f"a refused attempt to fire left {denied} denied event(s), not 1")

    elapsed = time.monotonic() - started
    print(f"authorization matrix: {len(cells)} cells, {len(violations)} violations "
          f"({elapsed:.1f} s, {world.rebuilt} targets rebuilt)")
    assert not violations, f"{len(violations)} of {len(cells)} cells broke the policy:\n" + \
        "\n".join(sorted(violations))


def test_the_matrix_covers_every_published_operation(api):
    """A new endpoint must be placed in the matrix (targets() fails loudly otherwise)."""
    document = api.get("/openapi.json").json
    published = {(method.upper(), path) for path, methods in document["paths"].items()
                 for method in methods if path != "/openapi.json"}
    covered = {(op.method, op.path) for op in operations(document)}
    assert covered == published
    for op in operations(document):
        for caller in CALLERS:
            assert targets(op, caller), op
    assert not any(re.search(r"\{(?!id\}|number\}|name\})", path)
                   for _, path in published), "a path parameter the matrix cannot fill"
