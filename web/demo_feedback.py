"""Demo feedback for `strengthwise init --demo` (SPEC §10.4): a compliment from Kieran's sister
about the garden, and for Margaret a compliment from her daughter and a complaint about a
missed visit taken through to closed with what changed because of it. Through the engine, so
every step is on the audit trail. Idempotent: a person who already has feedback is left alone."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Actor, Engine
from engine.care import feedback as feedback_ops
from engine.care.models import Feedback, Person
from engine.core.models import Service, User

Echo = Callable[[str], None]


def _feedback(today: date) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(person, service) → what they and their families said, oldest first."""
    return {
        ("Kieran Walsh", "northgate"): [{
            "received_on": today - timedelta(days=2), "source": "family", "kind": "compliment",
            "from_whom": "Siobhan, Kieran's sister",
            "text": "Kieran rang me after meeting the garden session lead - first time in "
                    "months he's sounded excited about anything. He's already planning what "
                    "to sow. Thank you for not giving up on him.", "steps": []}],
        ("Margaret Ellis", "riverside"): [
            {"received_on": today - timedelta(days=3), "source": "family", "kind": "complaint",
             "from_whom": "Claire Ellis, Margaret's daughter",
             "text": "Mum's Tuesday morning visit was moved to the afternoon and nobody told "
                     "her. She waited in her coat for the lunch club lift that never came.",
             "steps": [
                 ("acknowledge", "hannah", {"acknowledgement":
                     "Phoned Claire the next morning, apologised, and said Hannah would look "
                     "into it and write to her and Margaret within the week."}),
                 ("respond", "hannah", {"finding": "upheld", "response":
                     "Wrote to Margaret and Claire: the rota was changed for sickness cover "
                     "and the change was not passed on. We apologised; the lunch club lift "
                     "was rebooked for the next Tuesday."}),
                 ("close", "hannah", {"what_changed":
                     "Rota changes that move a visit are now phoned to the person (and their "
                     "named family contact) the same day by the coordinator; Margaret's "
                     "Tuesday visit is marked fixed on the rota because of the lunch club."}),
             ]},
            {"received_on": today - timedelta(days=1), "source": "family", "kind": "compliment",
             "from_whom": "Claire Ellis, Margaret's daughter",
             "text": "Mum made her own porridge for me on Sunday and told me exactly how Sam "
                     "had let her do it her way. It meant a lot to both of us.", "steps": []},
        ],
    }


def load_feedback(session: Session, engine: Engine, echo: Echo) -> None:
    """Add the demo feedback for each demo person who has none yet."""
    users = {user.username: user for user in session.scalars(
        select(User).where(User.username.in_(["sam", "hannah", "omar"])))}
    for (name, service), items in _feedback(engine.today()).items():
        person = session.scalar(select(Person).join(Service, Person.service_id == Service.id)
                                .where(Person.name == name, Service.name == service)
                                .order_by(Person.id))
        if person is None or session.scalar(
                select(Feedback.id).where(Feedback.person_id == person.id).limit(1)):
            echo(f"Already there: feedback about {name}." if person else
                 f"Not added: feedback about {name} (no such person).")
            continue
        for item in items:
            steps = item["steps"]
            content = {key: value for key, value in item.items() if key != "steps"}
            recorded = feedback_ops.record(session, engine, Actor.of(users["sam"]), person.id,
                                           content)
            for transition, who, inputs in steps:
                session.refresh(recorded)
                engine.fire(session, "feedback", recorded.id, transition,
                            Actor.of(users[who]), version=recorded.lock_version,
                            inputs=inputs)
        echo(f"Added feedback about {name} ({service}).")
    session.rollback()  # end the read transaction
