"""Outgoing mail: SMTP through Flask-Mail when MAIL_SERVER is set, else `.eml` files in the outbox.

The outbox (instance/outbox/) makes password reset and email change work on a fresh machine
with no mail server: the log says where each message was written.
"""
from __future__ import annotations

import secrets
import threading
import time
from pathlib import Path

from flask import Flask, current_app
from flask_mail import Mail, Message

mail = Mail()


def outbox_path(app: Flask) -> Path:
    return Path(app.config.get("MAIL_OUTBOX") or Path(app.instance_path) / "outbox")


def send(to: str, subject: str, body: str) -> None:
    """Send now to the outbox, or hand to SMTP on a thread.

    The thread keeps a slow mail server out of the response time, which would otherwise tell
    an observer whether a reset was requested for an address that has an account.
    """
    app = current_app._get_current_object()
    message = Message(subject, recipients=[to], body=body, sender=app.config["MAIL_DEFAULT_SENDER"])
    if not app.config.get("MAIL_SERVER"):
        folder = outbox_path(app)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{time.time_ns()}-{secrets.token_hex(4)}.eml"
        path.write_bytes(message.as_bytes())
        app.logger.info("MAIL_SERVER is not set: mail to %s written to %s", to, path)
        return

    def deliver():
        with app.app_context():
            try:
                mail.send(message)
            except Exception:  # the request has answered already; the log is where this can go
                app.logger.exception("sending mail to %s failed", to)

    thread = threading.Thread(target=deliver, daemon=True, name="mail")
    thread.start()
    if app.config.get("MAIL_SYNC"):  # tests and CLI: wait, so the message has left when we return
        thread.join()
