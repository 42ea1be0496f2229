"""Run benchmarks: `python -m bench` runs all of bench/, `python -m bench NAME …` the named."""
from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

HELPERS = {"common", "peer_models"}


def available() -> list[str]:
    """The benchmark modules in bench/: every module but the helpers, alphabetically."""
    return sorted(module.name for module in pkgutil.iter_modules([str(Path(__file__).parent)])
                  if not module.name.startswith("_") and module.name not in HELPERS)


def main(argv: list[str]) -> int:
    """Run the named benchmarks, or all of them; 2 for an unknown name."""
    known = available()
    names = argv or known
    unknown = [name for name in names if name not in known]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; available: {', '.join(known)}",
              file=sys.stderr)
        return 2
    for name in names:
        print(f"== {name} ==", flush=True)
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
