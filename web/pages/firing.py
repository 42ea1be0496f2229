"""The pages' one door to the engine's transitions: fire from a posted form, then say what
happened in the user's words and go back to the page the step was taken from."""
from __future__ import annotations

from typing import Any, Callable

from flask import flash, redirect, request
from werkzeug.wrappers import Response

from engine.care.plans import get_plan
from engine.core.errors import Blocked, Conflict, Invalid
from engine.core.workflow import Fired

from ..auth import page_actor
from ..extensions import db
from ..runtime import engine
from ..words import in_words, plan_labels


def fire_from_form(kind: str, ident: int, name: str, *, back: str,
                   done: Callable[[Fired], str] | None = None,
                   not_done: Callable[[str], str] | None = None,
                   stale: str | None = None,
                   blocked_back: str | None = None, comment: str | None = None,
                   version: int | None = None, fields: tuple[str, ...] = (),
                   extra: Callable[[], dict[str, Any]] | None = None) -> Response:
    """Fire `name` on subject `ident` of `kind` with the form's version, comment and reason
    (and the further text `fields` the step's rules read, such as a complaint's response).

    Out of scope or absent is the not-found page (the engine raises NotFound); a refusal, a
    stale version or a bad form is a message on the page the user came from. `extra` reads
    further inputs a workflow's rules judge (an incident's notifications, say) from the form.
    """

    def inputs() -> dict[str, Any]:
        held = [field for field, value in request.form.items(multi=True) if "\x00" in value]
        if held:  # PostgreSQL cannot store one: say so rather than fail on writing
            raise Invalid("the form has a character no record can hold (NUL): remove it and "
                          "try again", {field: ["must not contain a NUL character"]
                                        for field in held})
        given = request.form.get("version", "")
        if version is None and not (given.isascii() and given.isdigit()):
            raise Invalid("the form was incomplete: reload the page and try again",
                          {"version": ["missing"]})
        hours = _text("hours_per_week")
        return {"version": version if version is not None else int(given),
                "comment": comment if comment is not None else _text("comment"),
                "reason": _text("reason"),
                **({"hours_per_week": _hours(hours)} if hours is not None else {}),
                **{field: _text(field) for field in fields},
                **(extra() if extra is not None else {})}

    title = name.replace("_", " ").capitalize()
    refused = not_done or (lambda why: f"{title}: not done — {why}.")
    try:
        fired = engine().fire(db.session, kind, ident, name, _actor(), read_inputs=inputs)
    except Blocked as blocked:
        missing = "; ".join(rule["detail"] or rule["text"] for rule in blocked.details
                            if rule.get("severity", "blocking") == "blocking")
        if kind == "plan":  # staff read the plan's items by their words, not their ids
            missing = in_words(missing, plan_labels(get_plan(db.session, _actor(), ident))) \
                or missing
        flash(refused(missing), "error")
        return redirect(blocked_back or back)
    except Conflict:
        flash(stale or "Someone else changed this record while you were looking at it; here "
              "is the latest. Check it and try again.", "error")
        return redirect(back)
    except Invalid as invalid:
        flash(refused(invalid.message), "error")
        return redirect(blocked_back or back)
    workflow = engine().workflow_of(fired.subject)
    title = workflow.transitions[name].title
    flash(done(fired) if done else
          f"{title}: done — now {workflow.states[fired.subject.state].title.lower()}.",
          "success")
    return redirect(back)


def _actor():
    return page_actor()


def _text(field: str) -> str | None:
    value = request.form.get(field)
    return value.strip() or None if value else None


def _hours(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 168:
        raise Invalid("the hours per week must be a number from 0 to 168",
                      {"hours_per_week": ["must be between 0 and 168 hours a week"]})
    return value
