"""People: the person a plan belongs to."""

from engine.care import plans
from engine.care.access_log import reads_of
from engine.care.models import Person
from engine.core.errors import Forbidden

from ..access_log import flush_access_log
from ..extensions import db
from ..runtime import engine, load_body
from . import api
from .auth import current_actor
from .documents import iso, person_document
from .schemas import PersonSchema


@api.post("/people")
def create_person():
    body = load_body(PersonSchema())
    person = plans.create_person(db.session, current_actor(), body["name"].strip(),
                                 body["service"], engine().now(),
                                 preferred_name=body["preferred_name"],
                                 date_of_birth=body["date_of_birth"],
                                 nhs_number=body["nhs_number"])
    return {**person_document(person),
            "warnings": plans.duplicate_warnings(db.session, person)}, 201


@api.get("/people")
def list_people():
    actor = current_actor()
    rows = db.session.scalars(plans.PEOPLE.query(actor).order_by(Person.name))
    return {"people": [person_document(person) for person in rows]}


@api.get("/people/<int:person_id>")
def get_person(person_id: int):
    return person_document(plans.get_person(db.session, current_actor(), person_id))


@api.get("/people/<int:person_id>/access-log")
def person_access_log(person_id: int):
    """Who read this person's records: auditors and admins only."""
    flush_access_log()  # this process's buffered reads, before anything is read
    actor = current_actor()
    plans.get_person(db.session, actor, person_id)
    if not actor.may("read_access_log"):
        article = "an" if actor.role[:1] in "aeiou" else "a"  # an admin
        raise Forbidden(f"{article} {actor.role} may not read the access log")
    return {"person_id": person_id, "entries": [
        {"at": iso(entry.at), "user": entry.username, "role": entry.role, "what": entry.what,
         "plan_id": entry.subject_id, "channel": entry.channel, "path": entry.path}
        for entry in reads_of(db.session, person_id)]}
