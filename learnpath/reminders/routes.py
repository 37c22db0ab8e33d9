"""The account page's reminder settings, and the one-click unsubscribe link every digest carries."""
from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from learnpath.accounts.routes import _account_page
from learnpath.errors import error_response
from learnpath.extensions import csrf
from learnpath.reminders import services
from learnpath.reminders.forms import ReminderForm

bp = Blueprint("reminders", __name__)
BAD_LINK = ("This unsubscribe link is not valid: it was changed, or copied only in part. "
            "You can turn reminders off on your account page.")


def reminder_form() -> ReminderForm:
    """The form as the learner last saved it (the account page's template calls this)."""
    prefs = services.preferences(current_user.id)
    return ReminderForm(prefix="reminders", formdata=None, enabled=prefs.enabled, hour=prefs.hour,
                        reviews_due=prefs.reviews_due, streak_at_risk=prefs.streak_at_risk)


@bp.post("/account/reminders")
@login_required
def settings():
    form = ReminderForm(prefix="reminders")
    if not form.validate_on_submit():
        return _account_page(400, reminders=form)
    services.save_preferences(current_user.id, services.Preferences(
        enabled=form.enabled.data, hour=form.hour.data, reviews_due=form.reviews_due.data,
        streak_at_risk=form.streak_at_risk.data))
    if form.enabled.data:
        flash(f"Reminders on: a mail on days with something to say, from {form.hour.data:02d}:00 your time.", "success")
    else:
        flash("Reminders off: we send you no reminder mails.", "success")
    return redirect(url_for("accounts.account") + "#reminders")


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: a mail client POSTs here with no session and no form token; the signed token is the proof
def unsubscribe(token: str):
    user_id = services.user_for_unsubscribe_token(token)
    if user_id is None:
        return error_response(400, BAD_LINK, title="This link does not work")
    if request.method == "POST":  # one click: from the mail client ("List-Unsubscribe=One-Click") or our page
        services.unsubscribe(user_id)
        return render_template("reminders/unsubscribed.html")
    # GET only asks: link scanners and previews open links, and must not unsubscribe anyone.
    return render_template("reminders/unsubscribe.html")


def init_app(app: Flask) -> None:
    app.add_template_global(reminder_form, "reminder_form")
    app.register_blueprint(bp)
