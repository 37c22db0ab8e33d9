"""`flask certificates revoke ID`: a revoked certificate keeps resolving, as revoked."""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from learnpath.models._types import utcnow
from learnpath.progress import services

certificates = AppGroup("certificates", help="Manage issued course certificates.")


# Verification ids are URL-safe base64: one in 64 starts with "-", which click would take for an option.
@certificates.command("revoke", context_settings={"ignore_unknown_options": True})
@click.argument("verification_id")
def revoke(verification_id: str) -> None:
    """Revoke the certificate with this verification id."""
    if not services.revoke_certificate(verification_id, utcnow()):
        click.echo(f"No valid certificate {verification_id!r} (unknown, or already revoked).", err=True)
        sys.exit(1)
    click.echo(f"Revoked {verification_id}: its verification page now says so.")


def init_app(app: Flask) -> None:
    app.cli.add_command(certificates)
