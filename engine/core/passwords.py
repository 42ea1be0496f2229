"""The password policy: long enough, not the username, not a well-known password."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

MIN_LENGTH = 12


def password_problems(password: str, username: str) -> list[str]:
    """Why `password` may not be used by `username`, in words; empty when it may."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"a password needs at least {MIN_LENGTH} characters "
                        f"(this one has {len(password)})")
    folded = password.strip().lower()
    if username and folded in (username.lower(), username.lower()[::-1]):
        problems.append("a password must not be the username")
    elif folded in common_passwords():
        problems.append("this password is on the list of commonly used passwords that "
                        "attackers try first: choose another")
    return problems


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list (engine/core/common_passwords.txt), lower-cased."""
    text = resources.files("engine.core").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))
