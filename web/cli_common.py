"""What the command groups share: tables padded to their columns, and service names checked
against the services there are."""
from __future__ import annotations

from typing import Iterable

import click
from sqlalchemy import select

from engine.core.models import Service

from .extensions import db


def echo_table(rows: list[tuple[str, ...]]) -> None:
    """Columns padded to their widest cell; the last column runs on unpadded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths))
                   + "  " + row[-1])


def known_services(names: Iterable[str]) -> list[str]:
    """Every service's name; a BadParameter naming them if any of `names` is not one."""
    known = list(db.session.scalars(select(Service.name).order_by(Service.name)))
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise click.BadParameter(f"no service {', '.join(unknown)}; services: "
                                 f"{', '.join(known) or 'none yet'}", param_hint="--service")
    return known
