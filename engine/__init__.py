"""strengthwise's workflow engine: definitions, rules, firing, audit, tasks and timers.

Plain Python and SQLAlchemy; the web app, the CLI and the scheduler all drive it through
`Engine.fire` and the plan operations in `engine.plans`.
"""
from .access import Actor
from .clock import FixedClock, SystemClock
from .definitions import DefinitionError, Registry, load_registry
from .settings import Settings, load_settings
from .workflow import Engine, Fired, Option

__all__ = ["Actor", "DefinitionError", "Engine", "FixedClock", "Fired", "Option", "Registry",
           "Settings", "SystemClock", "load_registry", "load_settings"]
