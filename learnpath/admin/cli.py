"""`flask users create-admin EMAIL` and `flask users set-role EMAIL admin|learner`.

The first admin can only come from here: the console has no sign-up for admins. The password is
asked twice on a terminal, or read from the first line of stdin when it is not one, so scripts can
pipe it in (`printf '%s\\n' "$PASSWORD" | flask users create-admin ops@example.com`) instead of
putting it on the command line where `ps` shows it.
"""
from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from learnpath.accounts import services as accounts
from learnpath.accounts.forms import MIN_PASSWORD
from learnpath.admin import audit, services
from learnpath.extensions import db
from learnpath.models import User
from learnpath.models.accounts import ROLES

users = AppGroup("users", help="Manage accounts and roles (admins).")

MAX_PASSWORD = 200


def fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _check_email(email: str) -> str:
    email = accounts.normalize_email(email)
    local, at, domain = email.partition("@")
    if not (at and local and domain) or any(c.isspace() for c in email) or len(email) > 254:
        fail(f"'{email[:80]}' is not an email address.")
    return email


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _read_password() -> str:
    if _stdin_is_terminal():
        password = click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")
    else:
        line = sys.stdin.readline()
        if not line:
            fail("no password on stdin: pipe it in (one line), or run this on a terminal to be asked for it.")
        password = line.rstrip("\r\n")
    if len(password) < MIN_PASSWORD:
        fail(f"the password is too weak: use at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        fail(f"the password is too long: use at most {MAX_PASSWORD} characters.")
    return password


def _promote(user: User) -> None:
    if services.set_role(None, user, "admin"):
        click.echo(f"Promoted the existing account {user.email} to admin (its password is unchanged).")
    else:
        click.echo(f"{user.email} is an admin already; nothing changed.")
    if user.disabled_at is not None:
        click.echo(f"Note: {user.email} is disabled and cannot log in until another admin enables it.")


@users.command("create-admin")
@with_appcontext
@click.argument("email")
@click.option("--name", default=None, help="Display name (default: the part of the email before @).")
@click.option("--promote-existing", is_flag=True,
              help="If an account with EMAIL exists, make it an admin (its password unchanged).")
def create_admin(email: str, name: str | None, promote_existing: bool) -> None:
    """Create an admin account for EMAIL (or, with --promote-existing, promote the account that has it)."""
    email = _check_email(email)
    # Sign-up does not verify addresses: whoever registered EMAIL first knows that account's password,
    # so promoting it must be asked for explicitly, never a side effect of creating an admin.
    existing = accounts.find_user(email)
    if existing is not None:
        if not promote_existing:
            fail(f"an account with the email {email} exists already; check it is yours, then run again with "
                 "--promote-existing, or use `flask users set-role EMAIL admin`.")
        _promote(existing)
        return
    name = (name or email.partition("@")[0]).strip()[:100]
    if not name:
        fail("the name may not be empty.")
    password = _read_password()
    user = User(email=email, name=name, role="admin")
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:  # created meanwhile by a sign-up or another run: not ours to promote
        db.session.rollback()
        fail(f"an account with the email {email} was created meanwhile; nothing changed.")
    audit("create-admin", email, actor_id=None)
    db.session.commit()
    click.echo(f"Created the admin account {email}. Log in at /login; the console is at /admin.")


@users.command("set-role")
@with_appcontext
@click.argument("email")
@click.argument("role")
def set_role(email: str, role: str) -> None:
    """Make the account with EMAIL an admin or a learner (ROLE: admin or learner)."""
    if role not in ROLES:
        fail(f"unknown role '{role[:40]}': use {' or '.join(ROLES)}.")
    user = accounts.find_user(email)
    if user is None:
        fail(f"no account has the email {accounts.normalize_email(email)}.")
    if services.set_role(None, user, role):
        click.echo(f"{user.email} is now {'an admin' if role == 'admin' else 'a learner'}.")
    else:
        click.echo(f"{user.email} is {role} already; nothing changed.")


def init_app(app: Flask) -> None:
    app.cli.add_command(users)
