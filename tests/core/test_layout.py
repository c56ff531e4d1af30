"""``platform/`` is a source root, never a package: the stdlib ``platform`` must win.

SQLAlchemy, Flask's CLI, sentry-sdk and ``uuid`` import ``platform``; a package of that name
on the path would break them before the app even starts (docs/architecture.md, Layout).
"""

import platform
import sys
from pathlib import Path

import shisetsu

ROOT = Path(__file__).resolve().parents[2]


def test_stdlib_platform_is_imported() -> None:
    path = Path(platform.__file__).resolve()
    assert path.is_relative_to(Path(sys.base_prefix).resolve())
    assert not path.is_relative_to(ROOT)
    assert platform.python_version() == ".".join(map(str, sys.version_info[:3]))


def test_platform_folder_is_not_a_package() -> None:
    assert (ROOT / "platform" / "shisetsu").is_dir()
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_shisetsu_comes_from_the_platform_source_root() -> None:
    assert Path(shisetsu.__file__).resolve().parent == ROOT / "platform" / "shisetsu"
