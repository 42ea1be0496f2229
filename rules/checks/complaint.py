"""Checks for complaints (rule ids complaint.*): each step says, in words, what was done."""
from __future__ import annotations

from typing import Any

from engine.care.feedback import FINDINGS
from engine.core.rules import RuleContext, check

from .text import blank


def _too_short(text: str, min_words: int) -> bool:
    return len(text.split()) < min_words


def _quoted(text: str) -> str:
    text = " ".join(text.split())
    return f"‘{text if len(text) <= 40 else text[:39] + '…'}’"


def _given_or_stored(ctx: RuleContext, field: str, stored: dict[str, Any] | None) -> Any:
    """What this step's form gave for `field`, else what an earlier step recorded."""
    given = ctx.inputs.get(field)
    if not blank(given):
        return given
    return (stored or {}).get("text" if field in ("response", "acknowledgement") else field)


@check("complaint.acknowledgement_recorded", min_words=int)
def acknowledgement_recorded(ctx: RuleContext) -> list[str]:
    text = _given_or_stored(ctx, "acknowledgement", ctx.subject.acknowledgement)
    if blank(text):
        return ["no acknowledgement is recorded: say how the complainant was told it was "
                "received (letter, phone call, meeting) and what happens next"]
    if _too_short(text, ctx.params["min_words"]):
        return [f"{_quoted(text)} does not say how the complainant was told or what happens "
                f"next (at least {ctx.params['min_words']} words)"]
    return []


@check("complaint.response_recorded", min_words=int)
def response_recorded(ctx: RuleContext) -> list[str]:
    stored = ctx.subject.response
    text = _given_or_stored(ctx, "response", stored)
    finding = ctx.inputs.get("finding") if not blank(ctx.inputs.get("response")) \
        else (stored or {}).get("finding")
    problems = []
    if blank(text):
        problems.append("no response to the complainant is recorded")
    elif _too_short(text, ctx.params["min_words"]):
        problems.append(f"{_quoted(text)} does not say what the complainant was told "
                        f"(at least {ctx.params['min_words']} words)")
    if finding not in FINDINGS:
        problems.append("the response does not say whether the complaint was upheld, partly "
                        "upheld or not upheld")
    return problems


@check("complaint.change_named", min_words=int)
def change_named(ctx: RuleContext) -> list[str]:
    text = ctx.inputs.get("what_changed") or ""
    finding = (ctx.subject.response or {}).get("finding")
    if blank(text):
        if finding == "not_upheld":
            return ["nothing says why no change was needed although the complaint was not "
                    "upheld"]
        return ["nothing names what changed because of the complaint (the plan, the rota, "
                "training, how staff work)"]
    if _too_short(text, ctx.params["min_words"]):
        return [f"{_quoted(text)} does not name what changed because of the complaint "
                f"(at least {ctx.params['min_words']} words)"]
    return []
