"""Two people saved the same draft: what the editor shows so that nothing either typed is lost.

The user's form stays as they typed it. Each field whose saved text now differs is shown beside
it (`saved_meanwhile`), and rows the other person added are put into the form, so that saving
the merge keeps them (`add_their_rows`). Rows are matched by their id (o1, a2…), which the form
carries; `base_ids` says which rows the user started from, so a row they removed is not put
back."""
from __future__ import annotations

from typing import Any

from .plans import INVOLVEMENT, ROWS, TOP


def row_ids(form: dict[str, Any]) -> str:
    """The ids of the form's rows, "o1 o2 a1 …": the editor's hidden `base_ids`."""
    return " ".join(row["id"] for section in ROWS for row in form[section])


def saved_meanwhile(mine: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """{field name in the user's form: the value now saved}, for each field that differs."""
    differ: dict[str, Any] = {}
    for key in TOP:
        if _plain(mine[key]) != _plain(theirs[key]):
            differ[key] = theirs[key]
    for key in INVOLVEMENT:
        if _plain(mine["involvement"][key]) != _plain(theirs["involvement"][key]):
            differ[f"involvement-{key}"] = theirs["involvement"][key]
    for section, (_, _, fields) in ROWS.items():
        saved = {row["id"]: row for row in theirs[section]}
        for index, row in enumerate(mine[section]):
            other = saved.get(row["id"])
            if other is None:
                continue
            for field in fields:
                if field != "id" and _plain(row[field]) != _plain(other[field]):
                    differ[f"{section}-{index}-{field}"] = other[field]
    return differ


def add_their_rows(mine: dict[str, Any], theirs: dict[str, Any], base_ids: str) -> list[str]:
    """Append to `mine` the rows `theirs` has that the user neither has nor started from (the
    other person added them); → the names of the rows added ("outcomes-2")."""
    started_from, added = set(base_ids.split()), []
    for section in ROWS:
        have = {row["id"] for row in mine[section]}
        for row in theirs[section]:
            if row["id"] not in have and row["id"] not in started_from:
                mine[section].append(dict(row))
                added.append(f"{section}-{len(mine[section]) - 1}")
    return added


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return sorted(value)
    return value.strip() if isinstance(value, str) else value
