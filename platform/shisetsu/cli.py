"""The ``shisetsu`` console script: Flask's CLI with the app factory (which registers the
command groups of :mod:`shisetsu.commands`)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from shisetsu.app import create_app


def _create_app() -> Flask:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Shisetsu: public-facility booking for several operators."""
