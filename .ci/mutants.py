"""``make mutants``: mutation testing (mutmut) of the critical modules; prints the kill rate.

mutmut names a mutant after the file's path under ``./`` or ``src/``, while our packages
live under ``platform/`` and ``plugins/``. So the checkout is staged in ``build/mutation``
with every package under ``src/`` (``src/shisetsu`` …) and the data folders beside it
(``config``, ``migrations``, ``tenants``: the app finds them next to its package), and
mutmut runs there with the ``[tool.mutmut]`` settings of ``pyproject.toml``; only the pytest
``pythonpath`` is pointed at ``src``. Its copy of the tree lands in
``build/mutation/mutants/`` (git-ignored, like a stray ``mutants/`` at the top).

    python .ci/mutants.py                 # every module below (slow: tens of minutes)
    python .ci/mutants.py audit lottery   # some of them
    make mutants MODULES="audit"          # the same through make

Each module is mutated with the tests that exercise it; mutmut then runs, for every
mutant, only the tests that reached the mutated function (``-x``, stopping at the first
failure). PostgreSQL tests run when the server answers, as in ``make test``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGE = ROOT / "build" / "mutation"
# module key: (files to mutate under src/, the tests that exercise them)
MODULES: dict[str, tuple[list[str], list[str]]] = {
    "tenancy": (
        ["src/shisetsu/tenancy/binding.py"],
        ["tests/tenancy/test_tenancy.py", "tests/tenancy/test_schema_isolation.py"],
    ),
    "holds": (
        ["src/shisetsu/slots/holds.py"],
        ["tests/slots/test_slots.py", "tests/slots/test_racing_holds.py"],
    ),
    "booking": (
        ["src/shisetsu/booking/operations.py"],
        [
            "tests/booking/test_booking.py",
            "tests/booking/test_rules.py",
            "tests/booking/test_locks.py",
            "tests/booking/test_racing_bookings.py",
        ],
    ),
    "lottery": (
        ["src/shisetsu/lottery/engine.py"],
        ["tests/lottery/test_engine.py", "tests/lottery/test_fairness.py"],
    ),
    "audit": (
        ["src/shisetsu/audit/chain.py", "src/shisetsu/hashchain.py"],
        ["tests/audit/test_chain_golden.py", "tests/audit/test_audit.py"],
    ),
    "auth": (
        [
            "src/shisetsu/auth/access.py",
            "src/shisetsu/auth/lockout.py",
            "src/shisetsu/auth/passwords.py",
            "src/shisetsu/auth/sessions.py",
            "src/shisetsu/auth/totp.py",
        ],
        ["tests/auth/", "tests/accounts/test_passwords.py"],
    ),
}
# Tests that run engine.py as a standalone script (stdlib only, ``-I -S``) cannot load a
# mutated copy, which imports mutmut's trampoline: left out of every mutation run.
DESELECT = (
    "test_same_result_in_another_process",
    "test_engine_imports_only_the_standard_library",
    "test_cli_verifies_a_bundle",
    "test_cli_fails_on_a_tampered_bundle",
    "test_cli_refuses_unreadable_or_ambiguous_files",
)
DATA = ("config", "migrations", "tenants", "tests")
PYTHONPATH_LINE = 'pythonpath = ["platform", "plugins", "."]'


def stage() -> None:
    """A fresh copy of the checkout with the packages under ``src/``."""
    shutil.rmtree(STAGE, ignore_errors=True)
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", "artifacts")
    for root in ("platform", "plugins"):
        for package in sorted((ROOT / root).iterdir()):
            if package.is_dir() and (package / "__init__.py").exists():
                shutil.copytree(package, STAGE / "src" / package.name, ignore=junk)
    for name in DATA:
        shutil.copytree(ROOT / name, STAGE / name, ignore=junk)
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    assert PYTHONPATH_LINE in text, "pyproject.toml: the pytest pythonpath line changed"
    (STAGE / "pyproject.toml").write_text(
        text.replace(PYTHONPATH_LINE, 'pythonpath = ["src", "."]'), "utf-8"
    )


def configure(keys: list[str], sqlite_only: bool) -> None:
    """Narrow the staged ``[tool.mutmut]`` to the chosen modules and their tests."""
    files = [path for key in keys for path in MODULES[key][0]]
    tests = sorted({path for key in keys for path in MODULES[key][1]})
    args = ["-p", "no:cacheprovider", "-k", " and ".join(f"not {name}" for name in DESELECT)]
    if sqlite_only:
        args += ["-m", "not postgres and not redis and not browser"]
    pyproject = STAGE / "pyproject.toml"
    text = pyproject.read_text("utf-8")
    start = text.index("[tool.mutmut]")
    end = text.find("\n[", start + 1)
    section = (
        "[tool.mutmut]\n"
        'source_paths = ["src"]\n'
        f"only_mutate = {json.dumps(files)}\n"
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}\n"
        f"pytest_add_cli_args = {json.dumps(args, ensure_ascii=False)}\n"
        f"{_kept(text[start : end if end != -1 else None])}"
    )
    pyproject.write_text(text[:start] + section + (text[end:] if end != -1 else ""), "utf-8")


def _kept(section: str) -> str:
    """The repository's other mutmut settings (all but the ones narrowed here)."""
    narrowed = ("source_paths", "only_mutate", "pytest_add_cli_args", "[")
    lines = [line for line in section.splitlines() if not line.startswith(narrowed)]
    return "".join(f"{line}\n" for line in lines if line.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", choices=[[], *MODULES], metavar="MODULE")
    parser.add_argument("--max-children", type=int, default=2, help="parallel mutants")
    parser.add_argument(
        "--sqlite-only", action="store_true", help="leave out the PostgreSQL/Redis tests (faster)"
    )
    args = parser.parse_args()
    keys = list(args.modules) or list(MODULES)
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    started = time.monotonic()
    stage()
    configure(keys, args.sqlite_only)
    print(f"mutating {', '.join(keys)} in {STAGE.relative_to(ROOT)}", flush=True)
    command = [mutmut, "run", "--max-children", str(args.max_children)]
    run = subprocess.run(command, cwd=STAGE, check=False)
    subprocess.run([mutmut, "export-cicd-stats"], cwd=STAGE, check=True)
    stats = json.loads((STAGE / "mutants" / "mutmut-cicd-stats.json").read_text("utf-8"))
    subprocess.run([mutmut, "results"], cwd=STAGE, check=False)
    tried = stats["killed"] + stats["survived"] + stats["timeout"] + stats["suspicious"]
    rate = 100 * stats["killed"] / tried if tried else 0.0
    minutes = (time.monotonic() - started) / 60
    print(
        f"kill rate {rate:.1f}% ({stats['killed']} killed of {tried} tried; "
        f"{stats['survived']} survived, {stats['timeout']} timed out, "
        f"{stats['no_tests']} reached by no test; {stats['total']} mutants) "
        f"for {', '.join(keys)} in {minutes:.1f} min"
    )
    return run.returncode


if __name__ == "__main__":
    raise SystemExit(main())
