"""Checks that any workflow may use."""
from __future__ import annotations

from engine.core.rules import RuleContext, check

from .text import blank


@check("common.reason_recorded")
def reason_recorded(ctx: RuleContext) -> list[str]:
    if blank(ctx.inputs.get("reason")):
        return ["no reason was given"]
    return []


@check("common.comment_recorded")
def comment_recorded(ctx: RuleContext) -> list[str]:
    if blank(ctx.inputs.get("comment")):
        return ["no comment was given"]
    return []
