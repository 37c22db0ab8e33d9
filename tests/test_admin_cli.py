"""`flask users create-admin` and `flask users set-role`: accounts, roles, audit rows, clear errors."""
import pytest
import sqlalchemy as sa

from learnpath.admin import cli as admin_cli
from learnpath.extensions import db
from learnpath.models import AuditEntry, User

PASSWORD = "a long admin passphrase"


def _user(app, email):
    with app.app_context():
        return db.session.scalar(sa.select(User).where(User.email == email))


def _audit(app):
    with app.app_context():
        return [(e.actor_id, e.action, e.target, e.detail)
                for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]


def test_create_admin_from_stdin_then_log_in(app, runner, client, auth):
    result = runner.invoke(args=["users", "create-admin", "Ops@Example.com", "--name", "Ops"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Created the admin account ops@example.com" in result.output
    user = _user(app, "ops@example.com")
    assert (user.role, user.name, user.disabled_at) == ("admin", "Ops", None)
    assert _audit(app) == [(None, "create-admin", "ops@example.com", "")]  # the command line: no actor

    assert client.get("/admin/").status_code == 404  # not logged in yet
    response = auth.login("ops@example.com", PASSWORD)
    assert response.status_code == 302
    page = client.get("/admin/")
    assert page.status_code == 200 and "Recent admin actions" in page.get_data(as_text=True)
    assert "command line" in page.get_data(as_text=True)


def test_create_admin_on_a_terminal_asks_twice(app, runner, monkeypatch):
    monkeypatch.setattr(admin_cli, "_stdin_is_terminal", lambda: True)
    result = runner.invoke(args=["users", "create-admin", "tty@example.com"],
                           input=f"{PASSWORD}\ndifferent one here\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("Repeat the password") == 2  # the mismatch made it ask again
    user = _user(app, "tty@example.com")
    assert user.role == "admin" and user.name == "tty"
    with app.app_context():
        assert user.check_password(PASSWORD)


def test_create_admin_refuses_an_existing_account_unless_asked_to_promote_it(app, runner, auth):
    """Sign-up does not verify addresses: someone may have registered the operator's email first."""
    auth.signup("lead@example.com", "learner password 1", "Lead")
    refused = runner.invoke(args=["users", "create-admin", "lead@example.com"], input="some other password\n")
    assert refused.exit_code == 1 and "--promote-existing" in refused.output
    assert _user(app, "lead@example.com").role == "learner" and _audit(app) == []


def test_create_admin_promotes_an_existing_account_and_keeps_its_password(app, runner, auth):
    auth.signup("lead@example.com", "learner password 1", "Lead")
    result = runner.invoke(args=["users", "create-admin", "lead@example.com", "--promote-existing"],
                           input="ignored password\n")
    assert result.exit_code == 0, result.output
    assert "Promoted the existing account lead@example.com to admin" in result.output
    assert _user(app, "lead@example.com").role == "admin"
    assert _audit(app) == [(None, "set-role", "lead@example.com", "admin")]
    again = runner.invoke(args=["users", "create-admin", "lead@example.com", "--promote-existing"])
    assert again.exit_code == 0 and "is an admin already" in again.output
    assert len(_audit(app)) == 1
    auth.logout()
    assert auth.login("lead@example.com", "learner password 1").status_code == 302


@pytest.mark.parametrize("args, stdin, message", [
    (["users", "create-admin", "ops@example.com"], "short\n", "too weak: use at least 10 characters"),
    (["users", "create-admin", "ops@example.com"], "x" * 201 + "\n", "too long"),
    (["users", "create-admin", "ops@example.com"], "", "no password on stdin"),
    (["users", "create-admin", "not-an-email"], PASSWORD + "\n", "'not-an-email' is not an email address"),
    (["users", "create-admin", "ops@example.com", "--name", "  "], PASSWORD + "\n", "the name may not be empty"),
    (["users", "set-role", "nobody@example.com", "admin"], "", "no account has the email nobody@example.com"),
    (["users", "set-role", "ops@example.com", "root"], "", "unknown role 'root': use learner or admin"),
])
def test_errors_are_clear_and_exit_1(app, runner, args, stdin, message):
    result = runner.invoke(args=args, input=stdin)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert _user(app, "ops@example.com") is None and _audit(app) == []


def test_set_role_both_ways(app, runner, auth):
    auth.signup("ada@example.com", "learner password 1", "Ada")
    result = runner.invoke(args=["users", "set-role", "ADA@example.com", "admin"])
    assert result.exit_code == 0 and "ada@example.com is now an admin" in result.output
    assert _user(app, "ada@example.com").role == "admin"
    assert auth.client.get("/admin/").status_code == 200  # the same session sees the console at once
    same = runner.invoke(args=["users", "set-role", "ada@example.com", "admin"])
    assert same.exit_code == 0 and "is admin already" in same.output
    back = runner.invoke(args=["users", "set-role", "ada@example.com", "learner"])
    assert back.exit_code == 0 and "is now a learner" in back.output
    assert auth.client.get("/admin/").status_code == 404
    assert _audit(app) == [(None, "set-role", "ada@example.com", "admin"), (None, "set-role", "ada@example.com", "learner")]
