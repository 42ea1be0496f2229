"""Demo data for `strengthwise init --demo`: services, users, and the three people from the
source article's operational examples (plus one new referral), with plans in several states.

Everything moves through the engine (plans.create_plan / update_draft / acknowledge and
Engine.fire), so each plan's audit trail is real, blocked attempts included. Idempotent: demo
users are found by username and demo people by name in their service; what exists is left alone
(people may have moved the demo plans on since), and the users' passwords and API tokens are
read back from instance/demo-credentials.txt instead of being generated again.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import Actor, Engine
from engine.care.competency import enrol, observe, record_part
from engine.care.models import Competency, Person, Plan
from engine.care.plans import acknowledge, create_person, create_plan, update_draft
from engine.care.records import write_record
from engine.care.supervision import schedule
from engine.core.access import ROLES
from engine.core.accounts import CLI, create_account, rotate_token
from engine.core.errors import Blocked
from engine.core.models import Service, Task, User
from engine.core.uow import unit_of_work
from engine.core.users import ensure_service, new_password

from .api.schemas import PlanContentSchema
from .demo_learning import daniel_learning, margaret_fall, margaret_learning
from .demo_feedback import load_feedback

Echo = Callable[[str], None]
CREDENTIALS_FILE = "demo-credentials.txt"
NOT_RECORDED = "(not-recorded)"

SERVICES = [
    ("riverside", "Riverside Homecare"),
    ("elm-court", "Elm Court Supported Living"),
    ("northgate", "Northgate Community Mental Health"),
]
ALL_SERVICES = tuple(name for name, _ in SERVICES)


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    services: tuple[str, ...]
    who: str


USERS = [
    DemoUser("hannah", "manager", ("riverside", "elm-court"),
             "Hannah Reid, registered manager (Riverside, Elm Court)"),
    DemoUser("omar", "manager", ("elm-court", "northgate"),
             "Omar Shah, team leader (Elm Court, Northgate)"),
    DemoUser("sam", "staff", ("riverside", "northgate"),
             "Sam Patel, key worker (Riverside, Northgate)"),
    DemoUser("leah", "staff", ("elm-court",), "Leah Morgan, key worker (Elm Court)"),
    DemoUser("ruth", "auditor", ALL_SERVICES, "Ruth Adeyemi, quality lead"),
    DemoUser("admin", "admin", ALL_SERVICES, "system administrator"),
]


@dataclass(frozen=True)
class Credential:
    username: str
    role: str
    services: tuple[str, ...]
    password: str
    token: str


def load_demo(session: Session, engine: Engine, echo: Echo) -> None:
    """Add the demo services, users, people and plans that are not there yet; print the users'
    sign-in details and a summary of the demo data."""
    _ensure_services(session)
    credentials = _ensure_users(session, engine, echo)
    users = {user.username: user for user in session.scalars(
        select(User).where(User.username.in_([u.username for u in USERS])))}
    demo = _Demo(session, engine, users)
    for scenario in SCENARIOS:
        created = demo.run(scenario)
        echo(f"{'Added' if created else 'Already there:'} {scenario.person} "
             f"({scenario.service}).")
    echo(f"{'Added' if demo.practice() else 'Already there:'} sam's competency sign-off and "
         "next supervision (riverside).")
    load_feedback(session, engine, echo)
    echo("")
    for line in _credentials_text(engine, credentials).splitlines():
        echo(line)
    echo("")
    _summary(session, echo)


# --- services and users ----------------------------------------------------------------------

def _ensure_services(session: Session) -> None:
    with unit_of_work(session):
        for name, title in SERVICES:
            service = ensure_service(session, name, title)
            if service.title == service.name:  # created bare by `user add --service`
                service.title = title


def _credentials_path(engine: Engine) -> Path:
    return Path(engine.settings.instance_path) / CREDENTIALS_FILE


def _ensure_users(session: Session, engine: Engine, echo: Echo) -> list[Credential]:
    path = _credentials_path(engine)
    saved = _read_credentials(path)
    result, changed = [], False
    for spec in USERS:
        record = saved.get(spec.username)
        user = session.scalar(select(User).where(User.username == spec.username))
        if user is not None and record is not None:
            result.append(record)
            continue
        changed = True
        if user is None:
            # A database made afresh beside an old credentials file keeps the old password.
            password = record.password if record and record.password != NOT_RECORDED \
                else new_password()
            user, token = create_account(session, CLI, spec.username, spec.role,
                                         list(spec.services), password, engine.now(),
                                         engine.settings["security.token_days"])
            echo(f"Added {spec.role} {spec.username}: {spec.who}.")
            services = spec.services
        else:
            # The user exists but its password was never written down here: a fresh token lets
            # the API be tried (earlier ones, recorded nowhere, stop); the password stays.
            token = rotate_token(session, CLI, user.username, engine.now(),
                                 engine.settings["security.token_days"])
            password, services = NOT_RECORDED, tuple(user.service_names)
            echo(f"User {spec.username} already existed; issued a new API token, earlier ones "
                 "revoked (password not recorded by the demo).")
        result.append(Credential(user.username, user.role, services, password, token))
    if changed:
        _write_credentials(path, _credentials_text(engine, result))
    return result


def _credentials_text(engine: Engine, credentials: list[Credential]) -> str:
    host, port = engine.settings["server.host"], engine.settings["server.port"]
    rows = [("username", "role", "services", "password", "API token")]
    rows += [(c.username, c.role, ",".join(c.services), c.password, c.token)
             for c in credentials]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "# strengthwise demo users: created by `strengthwise init --demo`. Keep this file private.",
        f"# Sign in at http://{host}:{port}/ with a username and its password "
        "(run `strengthwise serve`).",
        "# Call the API with a token, e.g.: curl -H 'Authorization: Bearer <API token>' "
        f"http://{host}:{port}/api/v1/me",
        "",
    ]
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) if i < 4 else cell
                               for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths) + "  " + "-" * 9)
    return "\n".join(lines) + "\n"


def _read_credentials(path: Path) -> dict[str, Credential]:
    if not path.is_file():
        return {}
    records = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split()
        if len(cells) == 5 and cells[1] in ROLES and cells[4].startswith("sw_"):
            username, role, services, password, token = cells
            records[username] = Credential(username, role, tuple(services.split(",")),
                                           password, token)
    return records


def _write_credentials(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as fh:
        fh.write(text)
    path.chmod(0o600)


# --- people and plans ------------------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    person: str
    service: str
    author: str  # the member of staff who adds the person and drafts the plan
    steps: Callable[["_Demo", Person, date], None]
    state: str  # where the demo leaves the plan
    hint: str  # what to try next while it is still there


class _Demo:
    def __init__(self, session: Session, engine: Engine, users: dict[str, User]):
        self.session, self.engine, self.users = session, engine, users

    def actor(self, username: str) -> Actor:
        return Actor.of(self.users[username])

    def run(self, scenario: Scenario) -> bool:
        """Create the person and their plan and take it through its steps, unless the person
        already has a plan. Returns whether anything was created."""
        person = self.session.scalar(
            select(Person).join(Service, Person.service_id == Service.id)
            .where(Person.name == scenario.person, Service.name == scenario.service)
            .order_by(Person.id))
        if person is not None and self.session.scalar(
                select(Plan.id).where(Plan.person_id == person.id).limit(1)) is not None:
            return False
        if person is None:
            person = create_person(self.session, self.actor(scenario.author), scenario.person,
                                   scenario.service, self.engine.now())
        scenario.steps(self, person, self.engine.today())
        return True

    def draft(self, person: Person, username: str, content: dict[str, Any]) -> Plan:
        content = PlanContentSchema().load(content)  # exactly what the API would accept
        return create_plan(self.session, self.engine, self.actor(username), person.id,
                           content)

    def edit(self, plan: Plan, username: str, content: dict[str, Any]) -> None:
        content = PlanContentSchema().load(content)  # exactly what the API would accept
        update_draft(self.session, self.actor(username), plan.id, content, plan.lock_version,
                     self.engine.now())

    def fire(self, plan: Plan, transition: str, username: str, comment: str,
             expect_blocked: bool = False) -> None:
        try:
            self.engine.fire(self.session, "plan", plan.id, transition, self.actor(username),
                             version=plan.lock_version, comment=comment)
        except Blocked:
            if not expect_blocked:
                raise
        else:
            if expect_blocked:
                raise RuntimeError(f"demo: {transition} by {username} was expected to be "
                                   "blocked but went through")

    def acknowledge(self, plan: Plan, username: str) -> None:
        acknowledge(self.session, self.actor(username), plan.id, self.engine.now(),
                    engine=self.engine)

    def record(self, plan: Plan, username: str, fields: dict[str, Any]) -> None:
        write_record(self.session, self.engine, self.actor(username), plan.id, fields)

    def practice(self) -> bool:
        """Sam trained, assessed, observed and signed off; his next supervision scheduled.
        Returns whether anything was created."""
        sam = self.users["sam"]
        if self.session.scalar(select(Competency.id).where(Competency.worker_id == sam.id)):
            return False
        today, now = self.engine.today(), self.engine.now()
        hannah = self.actor("hannah")
        competency = enrol(self.session, self.engine, hannah, "sam", "riverside")
        record_part(self.session, self.actor("sam"), competency.id, "training", {
            "completed_on": _iso(today - timedelta(days=30)),
            "learning_outcomes": "Reframes assessment questions around strengths and "
                                 "existing routines; records progress against outcomes.",
            "case_study": "Presented Margaret's breakfast routine at the team case study."},
            now)
        self._fire_subject(competency, "complete_training", "sam")
        record_part(self.session, hannah, competency.id, "assessment", {
            "competency_check": "Records show observed strengths, prompts and outcome links.",
            "follow_up_supervision_on": _iso(today + timedelta(days=7))}, now)
        self._fire_subject(competency, "assess", "hannah")
        observe(self.session, hannah, competency.id, {
            "observed_on": today - timedelta(days=2), "setting": "Margaret's morning visit",
            "observed": "Waited before prompting and let Margaret lead the routine.",
            "how_applied": "Used her forty years of cooking as the tool, not a risk to manage."},
            now)
        self._fire_subject(competency, "sign_off", "hannah")
        schedule(self.session, self.engine, hannah, "sam", "riverside",
                 today + timedelta(days=7))
        return True

    def _fire_subject(self, subject, transition: str, username: str) -> None:
        self.session.refresh(subject)
        self.engine.fire(self.session, subject.subject_type, subject.id, transition,
                         self.actor(username),
                         version=subject.lock_version)


def _iso(day: date) -> str:
    return day.isoformat()


# Margaret Ellis — operational example 1: homecare to rebuild daily living skills after illness.

def margaret_content(today: date, complete: bool = True) -> dict[str, Any]:
    start = today - timedelta(days=7)
    content = {
        "commissioned_hours_per_week": 7,
        "start_date": _iso(start),
        "next_review_date": _iso(start + timedelta(days=35)),
        "key_worker": "sam",
        "involvement": {
            "person_views": "\"I don't want someone doing everything for me. I want to make my "
                            "own porridge again, take my own tablets, and get back to the lunch "
                            "club on Tuesdays.\"",
            "involved_on": _iso(today - timedelta(days=14)),
            "advocate": "Claire Ellis (daughter) joined the planning visit at Margaret's request.",
            "consent": "given",
            "best_interests_record": None,
        },
        "strengths": [
            {"id": "s1",
             "description": "Cooked for her family for forty years and still knows exactly how "
                            "she likes her porridge and tea made.",
             "used_as": "Staff coach rather than do: Margaret leads the breakfast routine in her "
                        "own order, and staff prompt only the step she pauses on."},
            {"id": "s2",
             "description": "Motivated to get back to her Tuesday lunch club and to manage "
                            "mornings without carers by the summer.",
             "used_as": "At the end of each visit staff link the morning's progress to the lunch "
                        "club goal, and Margaret says what she will try next."},
            {"id": "s3",
             "description": "Keeps her own tablet organiser and a written list of her medicines "
                            "on the fridge.",
             "used_as": "Staff check the organiser with her rather than for her, so she stays in "
                        "charge of her medicines while safety is checked."},
            {"id": "s4",
             "description": "Close relationship with her daughter Claire, who phones every "
                            "evening and visits on Sundays.",
             "used_as": "Claire is asked each Sunday what Margaret has done for herself that "
                        "week; her observations feed into the review."},
        ],
        "outcomes": [
            {"id": "o1",
             "statement": "Margaret prepares her own breakfast again, as she did before her "
                          "illness.",
             "target": "Prepares porridge and tea with no more than two verbal prompts on at "
                       "least five mornings a week by the first review.",
             "measure": "Prompts given and task completion recorded in the daily record after "
                        "every morning visit; weekly totals checked by the key worker.",
             "strength_ids": ["s1", "s2"]},
            {"id": "o2",
             "statement": "Margaret moves safely around her kitchen and takes her morning "
                          "medicines herself.",
             "target": "Carries breakfast to the lounge on her trolley and takes her morning "
                       "tablets from the organiser with staff only observing, on every visit "
                       "for four consecutive weeks.",
             "measure": "Daily record notes any prompt or near miss; medication observed and "
                        "signed on the MAR chart; falls and medication incidents reviewed weekly.",
             "strength_ids": ["s3"]},
            {"id": "o3",
             "statement": "Margaret returns to her Tuesday lunch club.",
             "target": "Books her own taxi and attends the lunch club at least twice a month by "
                       "the first review.",
             "measure": "Attendance recorded in the daily record; Margaret rates her confidence "
                        "going out (1-5) at each review conversation.",
             "strength_ids": ["s2", "s4"]},
        ],
        "actions": [
            {"id": "a1", "outcome_id": "o1", "approach": "coaching",
             "description": "Morning visit focused on coaching, not replacement care: Margaret "
                            "prepares breakfast herself; staff stand back, give a verbal prompt "
                            "only at the step she pauses on, and record how many prompts were "
                            "needed. Assistance is reduced gradually over several weeks.",
             "when": "Daily, 08:00-08:45", "hours_per_week": 5.25},
            {"id": "a2", "outcome_id": "o2", "approach": "practical_support",
             "description": "Safety checks during the morning visit: frame within reach, route "
                            "from kitchen to lounge clear, trolley used for hot drinks; observe "
                            "Margaret taking her morning tablets from the organiser and sign "
                            "the MAR chart.",
             "when": "Daily, within the morning visit", "hours_per_week": 1.0},
            {"id": "a3", "outcome_id": "o3", "approach": "prompting",
             "description": "Weekly planning conversation: Margaret phones to book the lunch club "
                            "taxi herself using her own list of numbers; staff prompt only if "
                            "she asks.",
             "when": "Mondays, 10:00-10:45", "hours_per_week": 0.75},
        ],
        "risks": [
            {"id": "r1",
             "description": "Falls in the kitchen while carrying hot drinks, after a long spell "
                            "of reduced mobility.",
             "why_proportionate": "Margaret wants to make her own breakfast and is steady with "
                                  "her frame; a trolley and a clear route reduce the risk "
                                  "without taking the task away from her. Doing it for her "
                                  "would slow her recovery.",
             "monitoring": "Her walking and use of the frame, any near misses, the route being "
                           "clear, and how tired she is by the end of the routine.",
             "escalation": "Any fall, two near misses in a week, or new unsteadiness: staff "
                           "complete the task safely, tell the manager the same day and ask the "
                           "GP for an occupational therapy reassessment.",
             "restrictive": False, "justification": None, "review_date": None},
            {"id": "r2",
             "description": "Missed or doubled morning medicines as staff step back from "
                            "administering them.",
             "why_proportionate": "Margaret managed her own medicines for years and uses an "
                                  "organiser; daily observation rather than administration "
                                  "keeps her in control with a check every day.",
             "monitoring": "The right compartment of the organiser is empty, the MAR chart is "
                           "signed, and any confusion about which tablets she has taken.",
             "escalation": "Any missed or doubled dose: follow the medication policy, tell the "
                           "manager and the GP the same day, and return to prompted "
                           "administration until the plan is reviewed.",
             "restrictive": False, "justification": None, "review_date": None},
        ],
    }
    if not complete:
        # The first draft: the lunch-club action has no hours yet and the medication risk does
        # not say when to escalate, so the approval is refused.
        content["actions"][2]["hours_per_week"] = None
        content["risks"][1]["escalation"] = None
    return content


def margaret_steps(demo: _Demo, person: Person, today: date) -> None:
    plan = demo.draft(person, "sam", margaret_content(today, complete=False))
    demo.fire(plan, "request_approval", "sam",
              "Margaret and Claire agreed this plan at the planning visit. Please approve.")
    demo.fire(plan, "approve", "hannah",
              "Returned to Sam: the lunch club planning needs its hours, and the medication "
              "risk must say when to escalate.", expect_blocked=True)
    demo.edit(plan, "sam", margaret_content(today))
    fall = margaret_fall(demo, person, plan, today)  # reported before the plan is approved
    demo.fire(plan, "approve", "hannah",
              "Approved: clear outcomes built on Margaret's own routine; prompts and safety "
              "checks are recorded every visit.")
    demo.acknowledge(plan, "sam")
    demo.fire(plan, "activate", "hannah",
              "Sam has read version 1; the morning team was briefed at handover.")
    for record in margaret_records(today):
        demo.record(plan, "sam", record)
    margaret_learning(demo, fall)  # the fall reviewed and closed with its learning


def margaret_records(today: date) -> list[dict[str, Any]]:
    """A week of daily records: prompts falling at breakfast, one note that needs rewording."""
    notes = [
        (6, "o1", 4, "with_prompts", "Chose oats over cereal and got the pan out herself."),
        (5, "o1", 3, "with_prompts", "Remembered the milk before the oats without a prompt."),
        (4, "o2", 1, "with_prompts", "Took her morning tablets from the blister pack; one "
                                     "prompt to check the day."),
        (3, "o1", 3, "with_prompts", "Margaret refused help with the kettle."),
        (2, "o1", 2, "with_prompts", "Made porridge and tea; asked me to wait in the hall."),
        (1, "o3", 0, "independent", "Rang the lunch club herself to book Tuesday."),
        (0, "o1", 1, "independent", "Whole breakfast with one prompt to turn the hob off."),
    ]
    return [{"outcome_id": outcome, "date": today - timedelta(days=days_ago),
             "observed_strength": "Led the routine in her own order",
             "support_provided": f"{prompts} verbal prompt{'s' if prompts != 1 else ''}; "
                                 "coaching from the doorway",
             "independence_opportunity": "Try the next step without a prompt tomorrow",
             "next_step": "Keep the picture card by the cooker", "prompts": prompts,
             "completion": completion, "note": note}
            for days_ago, outcome, prompts, completion, note in notes]


# Daniel Okafor — operational example 2: supported living for an autistic adult.

def daniel_content(today: date, with_restriction: bool = True) -> dict[str, Any]:
    start = today + timedelta(days=3)
    review = start + timedelta(days=42)
    content = {
        "commissioned_hours_per_week": 14,
        "start_date": _iso(start),
        "next_review_date": _iso(review),
        "key_worker": "leah",
        "involvement": {
            "person_views": "\"I like to know what is happening. Tell me before. Show me on the "
                            "board. No surprises.\" Daniel also chose the pictures for his "
                            "schedule and said he wants to \"go on new buses\".",
            "involved_on": _iso(today - timedelta(days=10)),
            "advocate": "Grace Okafor (sister) and an independent advocate from Speak Up "
                        "Advocacy attended the planning meeting.",
            "consent": "given",
            "best_interests_record": None,
        },
        "strengths": [
            {"id": "s1",
             "description": "Strong preference for structure and a predictable routine.",
             "used_as": "A consistent visual schedule on the kitchen wall, built with Daniel "
                        "every Sunday; staff follow the same order of the day on every shift."},
            {"id": "s2",
             "description": "Excellent visual memory; understands pictures and written lists "
                            "better than spoken explanations.",
             "used_as": "Changes are shown as picture cards on the schedule at least two days "
                        "ahead and explained in advance, never only told on the day."},
            {"id": "s3",
             "description": "Detailed knowledge of local bus routes and timetables.",
             "used_as": "Daniel plans the route himself for every new activity, which makes a "
                        "new place predictable before he goes."},
            {"id": "s4",
             "description": "Enjoys cooking pasta dishes and follows recipes step by step.",
             "used_as": "Photo recipe cards for his Wednesday and Saturday meals, one step per "
                        "card, so he leads the cooking."},
        ],
        "outcomes": [
            {"id": "o1",
             "statement": "Daniel's days follow a predictable routine he helped plan, so "
                          "unexpected change causes less distress.",
             "target": "Daniel builds next week's visual schedule with staff every Sunday, and "
                       "incidents of distress linked to change fall from about three a week to "
                       "one or fewer by the first review.",
             "measure": "Incident (ABC) records counted weekly; schedule session recorded in "
                        "the daily record.",
             "strength_ids": ["s1", "s2"]},
            {"id": "o2",
             "statement": "Daniel begins engaging in new activities once predictability is "
                          "established.",
             "target": "Tries one new activity a month, chosen from his picture list, after it "
                       "has been on his schedule for a week, and travels there by a bus route "
                       "he planned.",
             "measure": "Attendance recorded in the daily record with Daniel's own thumbs "
                        "up/down rating afterwards.",
             "strength_ids": ["s2", "s3"]},
            {"id": "o3",
             "statement": "Daniel cooks his own evening meal twice a week.",
             "target": "Cooks on Wednesday and Saturday from photo recipe cards with no more "
                       "than three prompts.",
             "measure": "Prompts and task completion recorded in the daily record after each "
                        "cooking session.",
             "strength_ids": ["s4"]},
        ],
        "actions": [
            {"id": "a1", "outcome_id": "o1", "approach": "environmental_adjustment",
             "description": "Sunday schedule session: staff sit with Daniel to build next "
                            "week's visual schedule, with a picture card for every activity and "
                            "every change of staff.",
             "when": "Sundays, 18:00-19:00", "hours_per_week": 1},
            {"id": "a2", "outcome_id": "o1", "approach": "communication",
             "description": "All staff use the agreed consistent communication style to reduce "
                            "sensory overload: short sentences, one instruction at a time, the "
                            "same words for the same activities, a quiet voice and no radio or "
                            "TV during conversations. Changes are introduced gradually and "
                            "explained in advance with a picture card.",
             "when": "Every support session, daily", "hours_per_week": 7},
            {"id": "a3", "outcome_id": "o2", "approach": "accompanying",
             "description": "Staff accompany Daniel to the new activity of the month on the "
                            "bus route he planned; they stay as long as he wants and use the "
                            "agreed signal if he wants to leave early.",
             "when": "One afternoon a week, as on his schedule", "hours_per_week": 3},
            {"id": "a4", "outcome_id": "o3", "approach": "coaching",
             "description": "Cooking sessions: Daniel follows the photo recipe cards; staff "
                            "stay nearby and point to the next card rather than telling him.",
             "when": "Wednesdays and Saturdays, 17:00-18:30", "hours_per_week": 3},
        ],
        "risks": [
            {"id": "r1",
             "description": "Distress when routines change unexpectedly, which has led to "
                            "Daniel hitting his head against the wall.",
             "why_proportionate": "Predictability prevents most distress; staff use the "
                                  "low-arousal approach in his positive behaviour support plan "
                                  "rather than restricting his activities.",
             "monitoring": "Early signs: rocking, covering his ears, repeating questions about "
                           "the schedule; noise and crowding; number and length of incidents.",
             "escalation": "Two or more incidents in a week or any injury: tell the manager the "
                           "same day and review the positive behaviour support plan with the "
                           "community learning disability team within 7 days.",
             "restrictive": False, "justification": None, "review_date": None},
        ],
    }
    if with_restriction:
        content["involvement"]["consent"] = "best_interests"
        content["involvement"]["best_interests_record"] = (
            "Daniel agreed his routine, activities and cooking plan himself. A capacity "
            "assessment found he could not weigh up the risk of using knives when highly "
            "distressed; a best-interests meeting with Daniel, his sister Grace, his advocate "
            "and the community learning disability nurse agreed the locked knife drawer as the "
            "least restrictive option, reviewed within four weeks.")
        content["risks"].append(
            {"id": "r2",
             "description": "Restriction: the two sharp kitchen knives are kept in a locked "
                            "drawer; Daniel uses them whenever he cooks with staff present.",
             "why_proportionate": "Only two knives are locked away; every other utensil is "
                                  "available, and Daniel uses the knives freely when he cooks.",
             "monitoring": "Distress incidents, whether Daniel asks for the knives outside "
                           "cooking times, and whether the lock itself upsets him.",
             "escalation": "Removed at the restriction review if there has been no distress "
                           "incident for four weeks; any new restriction or use of force is "
                           "reported to the manager and the safeguarding lead the same day.",
             "restrictive": True,
             "justification": "After two incidents where Daniel, when highly distressed, cut "
                              "into furniture with a kitchen knife. Best-interests decision "
                              "recorded; least restrictive option agreed.",
             "review_date": _iso(start + timedelta(days=28))})
    return content


def daniel_steps(demo: _Demo, person: Person, today: date) -> None:
    plan = demo.draft(person, "leah", daniel_content(today, with_restriction=False))
    demo.edit(plan, "hannah", daniel_content(today))  # adds the restriction and its decision
    demo.fire(plan, "request_approval", "leah",
              "Hannah added the knife drawer restriction and the best-interests record from "
              "Tuesday's meeting. Ready for approval.")
    demo.fire(plan, "approve", "hannah",
              "Approving so Daniel can move in on Friday as planned.", expect_blocked=True)
    demo.fire(plan, "approve", "omar",
              "Approved (four eyes: Hannah edited this version). The restriction is reviewed "
              "in four weeks.")
    daniel_learning(demo, person, plan, today)  # distress incidents falling; drawer reduced


# Kieran Walsh — operational example 3: mental health recovery through the community garden.

def kieran_content(today: date) -> dict[str, Any]:
    start = today + timedelta(days=7)
    return {
        "commissioned_hours_per_week": 6,
        "start_date": _iso(start),
        "next_review_date": _iso(start + timedelta(days=42)),
        "key_worker": "sam",
        "involvement": {
            "person_views": "\"I used to be out in the garden every day with my dad. I want "
                            "somewhere to go on a Thursday that isn't an appointment. Some weeks "
                            "I'll be up for it and some I won't - don't give up on me.\"",
            "involved_on": _iso(today - timedelta(days=5)),
            "advocate": None,
            "consent": "given",
            "best_interests_record": None,
        },
        "strengths": [
            {"id": "s1",
             "description": "Lifelong interest in gardening; grew vegetables on an allotment "
                            "with his father.",
             "used_as": "The community garden is the way back into community activity, and "
                        "first tasks start from what he knows: sowing and potting on."},
            {"id": "s2",
             "description": "Copes best with a structured routine: the same day, the same time.",
             "used_as": "Garden sessions are at the same time each week, written on his "
                        "calendar, and staff confirm by text the day before."},
            {"id": "s3",
             "description": "Warm sense of humour; gets on well with people one to one.",
             "used_as": "He is introduced to one volunteer, the session lead, before joining "
                        "the whole group."},
            {"id": "s4",
             "description": "Knows the early signs of getting tired or low and will say so.",
             "used_as": "Each visit starts with his own traffic-light check-in; on an amber or "
                        "red day staff offer a shorter visit rather than cancelling."},
        ],
        "outcomes": [
            {"id": "o1",
             "statement": "Kieran reconnects with community activity through the community "
                          "garden.",
             "target": "Attends the Thursday community garden session on three Thursdays out "
                       "of four, travelling on his own and staying at least an hour, by the "
                       "first review.",
             "measure": "Attendance, how he travelled and how long he stayed recorded after "
                        "each session, with Kieran's own 1-5 rating of the session.",
             "strength_ids": ["s1", "s2", "s3"]},
            {"id": "o2",
             "statement": "Kieran keeps a stable weekly routine that he plans himself.",
             "target": "Plans his week on his calendar with staff every Monday and keeps at "
                       "least four of his planned activities each week.",
             "measure": "Weekly calendar check recorded in the daily record, with his "
                        "self-rated mood and sleep (1-5) at each Monday visit.",
             "strength_ids": ["s2", "s4"]},
        ],
        "actions": [
            {"id": "a1", "outcome_id": "o1", "approach": "accompanying",
             "description": "Staff accompany Kieran on the bus to the community garden and stay "
                            "with him at first; then meet him there; then phone beforehand "
                            "only - reducing support as his confidence increases, each step "
                            "agreed with Kieran.",
             "when": "Thursdays, 10:00-13:00", "hours_per_week": 3},
            {"id": "a2", "outcome_id": "o1", "approach": "practical_support",
             "description": "Wednesday visit to get ready for the garden with him: tools, "
                            "packed lunch, bus times, and anything worrying him about Thursday.",
             "when": "Wednesdays, 15:00-16:30", "hours_per_week": 1.5},
            {"id": "a3", "outcome_id": "o2", "approach": "coaching",
             "description": "Monday planning visit: Kieran fills in his calendar himself; "
                            "staff coach him to balance activities and rest days.",
             "when": "Mondays, 11:00-12:30", "hours_per_week": 1.5},
        ],
        "risks": [
            {"id": "r1",
             "description": "Fatigue and emotional triggers (crowds, criticism, a bad night's "
                            "sleep) that could lead to disengagement and isolation.",
             "why_proportionate": "Going to the garden is what Kieran wants; reducing support "
                                  "step by step with a check-in every visit lets him build "
                                  "confidence while staff notice early signs.",
             "monitoring": "Fatigue, sleep, missed sessions, withdrawal or talk of giving up, "
                           "and his traffic-light check-in.",
             "escalation": "Two missed sessions in a row or three red check-ins running: step "
                           "support back up that week and tell the manager and his care "
                           "coordinator. Any talk of harming himself: contact the crisis team "
                           "the same day.",
             "restrictive": False, "justification": None, "review_date": None},
            {"id": "r2",
             "description": "Strain or injury from physical garden work after a long period of "
                            "inactivity.",
             "why_proportionate": "Light tasks first and his own pace; the session lead knows "
                                  "to offer seated work at the potting bench.",
             "monitoring": "Tiredness, back pain, and how long he works before resting.",
             "escalation": "Pain that lasts into the next day or stops him attending: advise a "
                           "GP appointment and adjust the tasks.",
             "restrictive": False, "justification": None, "review_date": None},
        ],
    }


def kieran_steps(demo: _Demo, person: Person, today: date) -> None:
    plan = demo.draft(person, "sam", kieran_content(today))
    demo.fire(plan, "request_approval", "sam",
              "Kieran agreed the plan and the garden session lead has met him. Please approve "
              "so we can start next week.")


# Arthur Pennington — a new referral whose first draft is still incomplete.

def arthur_content(today: date) -> dict[str, Any]:
    return {
        "commissioned_hours_per_week": 5,
        "start_date": _iso(today + timedelta(days=5)),
        "next_review_date": None,
        "key_worker": "sam",
        "involvement": {"person_views": None, "involved_on": None, "advocate": None,
                        "consent": None, "best_interests_record": None},
        "strengths": [
            {"id": "s1",
             "description": "Retired postman who knows everyone on his street.",
             "used_as": None},
        ],
        "outcomes": [
            {"id": "o1", "statement": "Arthur manages at home after his hospital stay.",
             "target": "Improve independence", "measure": None, "strength_ids": []},
        ],
        "actions": [],
        "risks": [
            {"id": "r1", "description": "Falls on the stairs at night.",
             "why_proportionate": None, "monitoring": None, "escalation": None,
             "restrictive": False, "justification": None, "review_date": None},
        ],
    }


def arthur_steps(demo: _Demo, person: Person, today: date) -> None:
    demo.draft(person, "sam", arthur_content(today))  # not yet sent for approval


SCENARIOS = [
    Scenario("Margaret Ellis", "riverside", "sam", margaret_steps, "active",
             "as ruth or hannah, read its audit trail: a blocked approval, then approved "
             "and activated"),
    Scenario("Daniel Okafor", "elm-court", "leah", daniel_steps, "approved",
             "as leah, acknowledge it; then as omar or hannah, activate it (hannah's approval was "
             "refused: she edited it)"),
    Scenario("Kieran Walsh", "northgate", "sam", kieran_steps, "draft",
             "as omar, approve it from the approvals queue"),
    Scenario("Arthur Pennington", "riverside", "sam", arthur_steps, "draft",
             "as sam, complete the draft: the approve checklist shows what is missing"),
]


# --- summary ---------------------------------------------------------------------------------

def _summary(session: Session, echo: Echo) -> None:
    hints = {scenario.person: scenario for scenario in SCENARIOS}
    plans = session.scalars(
        select(Plan).join(Person, Plan.person_id == Person.id)
        .where(Person.name.in_(list(hints))).order_by(Plan.id)).all()
    echo("Demo people and their plans:")
    for plan in plans:
        tasks = session.execute(
            select(Task.kind, func.count()).where(
                Task.subject_type == "plan", Task.subject_id == plan.id,
                Task.status.in_(("open", "claimed"))).group_by(Task.kind)).all()
        notes = [f"approved version {plan.current_version}" if plan.current_version
                 else "no approved version yet"]
        notes += [f"{count} open {kind.replace('_', ' ')} task" for kind, count in tasks]
        echo(f"  plan {plan.id}: {plan.person.name} ({plan.service.name}) is {plan.state}; "
             f"{', '.join(notes)}.")
        scenario = hints[plan.person.name]
        if plan.state == scenario.state:
            echo(f"    try: {scenario.hint}.")
    session.rollback()  # end the read transaction
