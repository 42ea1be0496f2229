"""The care domain: people, support plans, reviews, records, staff practice, governance and
recording language, built on the generic engine (engine.core)."""

# Who reads care records at all (SPEC §1): an admin manages accounts and sees aggregate
# reports, but an IT role is not a care role, so people, plans and staff records are not theirs.
CARE_ROLES = frozenset({"staff", "manager", "auditor"})
