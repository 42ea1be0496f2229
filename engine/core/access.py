"""Who is acting, and what they may see and do. One policy for the API, the pages and the CLI."""
from __future__ import annotations

from dataclasses import dataclass

from engine.core.models import User

ROLES = ("staff", "manager", "auditor", "admin")
# What each role may do outside workflow transitions (those list their own roles).
PERMISSIONS = {
    "staff": {"read", "create_person", "create_plan", "edit_plan", "acknowledge",
              "claim_task", "write_record", "write_review"},
    "manager": {"read", "create_person", "create_plan", "edit_plan", "acknowledge",
                "claim_task", "write_record", "write_review", "manage_staff_practice"},
    "auditor": {"read", "read_audit", "read_access_log"},
    "admin": {"read", "read_audit", "read_access_log", "manage"},
    "system": set(),
}


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    role: str
    services: frozenset[str]

    @classmethod
    def of(cls, user: User) -> "Actor":
        return cls(user.id, user.username, user.role, frozenset(user.service_names))

    @classmethod
    def system(cls) -> "Actor":
        return cls(None, "system", "system", frozenset())

    @property
    def is_system(self) -> bool:
        return self.role == "system"

    def may(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, set())
