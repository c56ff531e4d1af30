"""Shared fixtures live in tests/fixtures/ and are loaded as plugins.

Hypothesis runs the ``ci`` profile (derandomized: the same examples on every run, so a
red build is reproducible) unless ``HYPOTHESIS_PROFILE=random`` (``make test-random``)
asks for new examples.
"""

import os

from hypothesis import settings

from shisetsu.i18n import compile_catalogs

pytest_plugins = [
    "tests.fixtures.clock",
    "tests.fixtures.shared_setup",
    "tests.fixtures.apps",
    "tests.fixtures.browser",
    "tests.fixtures.axe",
    "tests.fixtures.journey",
    "tests.fixtures.schedule",
]


def pytest_configure(config: object) -> None:
    """Choose the Hypothesis profile before any test module is imported."""
    settings.register_profile("ci", derandomize=True, print_blob=True)
    settings.register_profile("random", derandomize=False, print_blob=True)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_sessionstart(session: object) -> None:
    """Compile the translation catalogues if they are missing or stale."""
    compile_catalogs()
