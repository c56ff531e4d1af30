"""Shared fixtures live in tests/fixtures/ and are loaded as plugins."""

from shisetsu.i18n import compile_catalogs

pytest_plugins = [
    "tests.fixtures.clock",
    "tests.fixtures.apps",
    "tests.fixtures.browser",
    "tests.fixtures.axe",
    "tests.fixtures.journey",
]


def pytest_sessionstart(session: object) -> None:
    """Compile the translation catalogues if they are missing or stale."""
    compile_catalogs()
