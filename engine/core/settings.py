"""Settings: config.toml with its defaults, overridden by STRENGTHWISE_* environment variables."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

ENV_PREFIX = "STRENGTHWISE_"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the project: engine/core/ is two below


class SettingsError(ValueError):
    """A setting is missing or has a value of the wrong type."""


def find_config_file() -> Path:
    """The config.toml in use: $STRENGTHWISE_CONFIG, else ./config.toml, else the project's."""
    explicit = os.environ.get(ENV_PREFIX + "CONFIG")
    if explicit:
        return Path(explicit).resolve()
    here = Path.cwd() / "config.toml"
    return here if here.is_file() else PACKAGE_ROOT / "config.toml"


@dataclass(frozen=True)
class Settings:
    """Flat, read-only view of the configuration: `settings["review.first_review_days"]`."""

    values: Mapping[str, Any]
    root: Path

    def __getitem__(self, key: str) -> Any:
        try:
            return self.values[key]
        except KeyError:
            raise SettingsError(f"unknown setting {key!r}") from None

    def __contains__(self, key: object) -> bool:
        return key in self.values

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def path(self, key: str) -> Path:
        """A setting naming a folder: absolute, or relative to config.toml's folder, falling
        back to the shipped one (so a copied config.toml still finds the shipped workflows)."""
        path = Path(self[key])
        if path.is_absolute():
            return path
        beside_config = (self.root / path).resolve()
        return beside_config if beside_config.exists() else (PACKAGE_ROOT / path).resolve()

    @property
    def database_url(self) -> str:
        return resolve_database_url(self["database.url"], self.root)

    @property
    def instance_path(self) -> Path:
        return self.root / "instance"

    def file_path(self, key: str) -> Path:
        """A setting naming a file or folder of this installation: absolute, or relative to
        config.toml's folder (created or not)."""
        path = Path(self[key])
        return path if path.is_absolute() else self.root / path


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None,
                  overrides: Mapping[str, Any] | None = None) -> Settings:
    """Read config.toml, then apply environment overrides, then explicit overrides (tests)."""
    path = path or find_config_file()
    with open(path, "rb") as fh:
        values = dict(_flatten(tomllib.load(fh)))
    environ = os.environ if environ is None else environ
    for key, default in list(values.items()):
        raw = environ.get(ENV_PREFIX + key.replace(".", "_").upper())
        if raw is not None:
            values[key] = _coerce(key, raw, default)
    for key, value in (overrides or {}).items():
        if key not in values:
            raise SettingsError(f"unknown setting {key!r}")
        values[key] = value
    return Settings(values=values, root=path.parent)


def resolve_database_url(url: str, root: Path) -> str:
    """Make a relative SQLite path absolute against the project root, creating its folder."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        target = (root / url[len(prefix):]).resolve()
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # private when we make it
        return prefix + str(target)
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _flatten(table: Mapping[str, Any], prefix: str = ""):
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield prefix + key, value


def _coerce(key: str, raw: str, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, list):
            return [item.strip() for item in raw.split(",") if item.strip()]
    except ValueError:
        raise SettingsError(
            f"{ENV_PREFIX}{key.replace('.', '_').upper()}={raw!r} is not a valid "
            f"{type(default).__name__}") from None
    return raw
