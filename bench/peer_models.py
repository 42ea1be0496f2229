"""The Django peer of strengthwise's approve (bench/peer.py): a plan whose `approve` is a
django-fsm-2 transition guarded by ten conditions, writing a version row, logged by
django-fsm-log. Imported only once bench/peer.py has configured Django."""
from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils import timezone
from django_fsm import FSMField, can_proceed, transition
from django_fsm_log.decorators import fsm_log_by


def _content(plan: "PeerPlan") -> dict[str, Any]:
    return plan.draft or {}


# Ten guards, the checks strengthwise's approve rules make of the same content.
def has_strengths(plan):
    return len(_content(plan).get("strengths") or []) >= 3


def has_outcomes(plan):
    return bool(_content(plan).get("outcomes"))


def outcomes_measured(plan):
    return all(outcome.get("measure") and outcome.get("target")
               for outcome in _content(plan).get("outcomes") or [])


def outcomes_use_strengths(plan):
    strengths = {item["id"] for item in _content(plan).get("strengths") or []}
    return all(set(outcome.get("strength_ids") or []) & strengths
               for outcome in _content(plan).get("outcomes") or [])


def actions_serve_outcomes(plan):
    outcomes = {item["id"] for item in _content(plan).get("outcomes") or []}
    return all(action.get("outcome_id") in outcomes
               for action in _content(plan).get("actions") or [])


def hours_allocated(plan):
    content = _content(plan)
    hours = sum(action.get("hours_per_week") or 0 for action in content.get("actions") or [])
    return abs(hours - (content.get("commissioned_hours_per_week") or 0)) < 0.01


def person_involved(plan):
    involvement = _content(plan).get("involvement") or {}
    return bool(involvement.get("person_views") and involvement.get("involved_on"))


def consent_recorded(plan):
    involvement = _content(plan).get("involvement") or {}
    return involvement.get("consent") == "given" or bool(involvement.get("best_interests_record"))


def restrictions_justified(plan):
    return all(risk.get("justification") and risk.get("review_date")
               for risk in _content(plan).get("risks") or [] if risk.get("restrictive"))


def independent_approver(plan):
    return plan.approver is not None and plan.approver.pk != plan.author_id


GUARDS = [has_strengths, has_outcomes, outcomes_measured, outcomes_use_strengths,
          actions_serve_outcomes, hours_allocated, person_involved, consent_recorded,
          restrictions_justified, independent_approver]


class Stale(Exception):
    """The client's version is not the plan's."""


class PeerPlan(models.Model):
    state = FSMField(default="draft", protected=True)
    lock_version = models.IntegerField(default=1)
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    draft = models.JSONField(null=True)
    current_version = models.IntegerField(null=True)
    updated_at = models.DateTimeField(default=timezone.now)

    approver: User | None = None

    class Meta:
        app_label = "peer"

    @fsm_log_by
    @transition(field=state, source="draft", target="approved", conditions=GUARDS)
    def approve(self, by=None):
        number = (self.current_version or 0) + 1
        PeerPlanVersion.objects.create(plan=self, number=number, content=self.draft,
                                       approved_by=by)
        self.current_version, self.draft = number, None


class PeerPlanVersion(models.Model):
    plan = models.ForeignKey(PeerPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.IntegerField()
    content = models.JSONField()
    approved_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "peer"
        unique_together = [("plan", "number")]


def approve(plan_id: int, version: int, manager: User) -> None:
    """The peer's whole approve, as a view would run it: one transaction, the row locked,
    the version checked, every guard, the transition, the version row and the log row."""
    with transaction.atomic():
        plan = PeerPlan.objects.select_for_update().get(pk=plan_id)
        if plan.lock_version != version:
            raise Stale(f"plan {plan_id} is at version {plan.lock_version}")
        plan.approver = manager
        if not can_proceed(plan.approve):
            raise RuntimeError(f"peer plan {plan_id}: a guard refused")
        plan.approve(by=manager)
        plan.lock_version += 1
        plan.updated_at = timezone.now()
        plan.save()
