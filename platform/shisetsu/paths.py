"""Where the checkout's data folders are: the app runs from a checkout (editable install)."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parents[1]
CONFIG_DIR = PROJECT_ROOT / "config"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
