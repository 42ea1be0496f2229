"""The tree's structure is a contract: the generic engine imports nothing from the care
domain, nothing below the web imports it, and the engine and the rules type-check clean."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(tool: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / tool), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_the_import_contracts_hold():
    result = run("lint-imports")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


def test_the_contract_catches_the_core_importing_the_care_domain(tmp_path):
    """A copy of the tree where engine.core imports engine.care breaks the first contract."""
    for package in ("engine", "rules", "web"):
        subprocess.run(["cp", "-r", str(ROOT / package), str(tmp_path / package)], check=True)
    subprocess.run(["cp", str(ROOT / "pyproject.toml"), str(tmp_path)], check=True)
    leak = tmp_path / "engine" / "core" / "leak.py"
    leak.write_text(textwrap.dedent("""\
        from engine.care.plans import WORKFLOW  # noqa: F401  (the violation under test)
    """))
    result = subprocess.run([str(BIN / "lint-imports")], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300, env={"PYTHONPATH": str(tmp_path)})
    assert result.returncode == 1
    assert "The generic engine knows no care domain BROKEN" in result.stdout
    assert "engine.core.leak -> engine.care.plans" in result.stdout


@pytest.mark.slow
def test_the_engine_and_the_rules_type_check_without_errors():
    result = run("mypy")
    assert result.returncode == 0, result.stdout[-4000:]
    assert result.stdout.startswith("Success: no issues found")
