"""The audit hash is over a canonical serialisation: stable, and sensitive to every field."""
from datetime import datetime, timezone

from engine.core.audit import GENESIS, HASHED_FIELDS, canonical, event_hash

EVENT = {"seq": 1, "at": datetime(2026, 11, 20, 9, 0, 0, 123456, tzinfo=timezone.utc),
         "actor": "max", "actor_role": "manager", "workflow": "support_plan",
         "subject_type": "plan", "subject_id": 7, "service": "riverside",
         "action": "transition", "transition": "approve", "from": "draft", "to": "approved",
         "outcome": "advanced", "checks": [{"rule": "plan.has-outcomes", "passed": True,
                                            "text": "Cannot proceed without…", "detail": None}],
         "changes": ["outcome 'Prepare lunch': measure changed"],
         "comment": "Looks good — “ok”", "reason": None, "rule_pack": "support_plan@1.1.0",
         "prev_hash": GENESIS}


def test_the_serialisation_is_canonical_utc_to_the_microsecond():
    text = canonical(EVENT)
    assert '"at":"2026-11-20T09:00:00.123456Z"' in text
    assert text.index('"actor"') < text.index('"at"') < text.index('"checks"')
    assert "“ok”" in text  # UTF-8 as is, not escaped


def test_the_same_content_always_hashes_the_same():
    reordered = dict(reversed(list(EVENT.items())))
    assert canonical(reordered) == canonical(EVENT)
    assert event_hash(canonical(reordered)) == event_hash(canonical(EVENT))


def test_every_hashed_field_changes_the_hash():
    assert set(EVENT) == set(HASHED_FIELDS)
    original = event_hash(canonical(EVENT))
    for field in HASHED_FIELDS:
        value = EVENT[field]
        altered = {**EVENT, field: (value + 1 if isinstance(value, int) else
                                    "x" if value is None or isinstance(value, str) else
                                    [] if isinstance(value, list) else
                                    value.replace(microsecond=0))}
        assert event_hash(canonical(altered)) != original, field
