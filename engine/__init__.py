"""strengthwise's engine, in two packages that a reader can tell apart from the tree:

- `engine.core`: the generic workflow engine — definitions, firing, rules evaluation, the audit
  chain, tasks, timers, the sweep, units of work and scope. It knows no care words and imports
  nothing from `engine.care` (a contract checked by the test suite).
- `engine.care`: the care domain — people, support plans, reviews, daily records, staff practice,
  governance and recording language — built on the core.

`engine.migrations` holds the schema of both.
"""
from engine.core.access import Actor
from engine.core.clock import FixedClock, SystemClock
from engine.core.definitions import DefinitionError, Registry, load_registry
from engine.core.settings import Settings, load_settings
from engine.core.workflow import Engine, Fired, Option

__all__ = ["Actor", "DefinitionError", "Engine", "FixedClock", "Fired", "Option", "Registry",
           "Settings", "SystemClock", "load_registry", "load_settings"]
