from flask import Blueprint, Response, abort, flash, json, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from learnpath.accounts import export as export_data, services
from learnpath.admin import reports as problem_reports
from learnpath.accounts.forms import (
    ConfirmForm, DeleteAccountForm, EmailChangeForm, ForgotPasswordForm, LoginForm, PasswordForm, ProfileForm,
    ResetPasswordForm, SignupForm,
)
from learnpath.extensions import limiter

bp = Blueprint("accounts", __name__)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(services.auth_rate_limit, methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("progress.dashboard"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = services.register(form.email.data, form.password.data, form.name.data)
        except services.AccountError:
            # Same wording as for any other failure: this page does not confirm who has an account.
            form.email.errors.append("We could not create an account with this email. If you already have one, log in.")
        else:
            login_user(user)
            flash(f"Welcome, {user.name}! Pick a course to enroll in.", "success")
            return redirect(services.safe_next(request.args.get("next")) or url_for("catalog.home"))
    return render_template("accounts/signup.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("progress.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.log_in(form.email.data, form.password.data, request.remote_addr)
        except services.Throttled as exc:
            form.password.errors.append(exc.message)
            response = make_response(render_template("accounts/login.html", form=form), 429)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        except services.AccountDisabled as exc:
            form.password.errors.append(exc.message)
            return render_template("accounts/login.html", form=form), 403
        if user:
            login_user(user, remember=form.remember.data)
            return redirect(services.safe_next(request.args.get("next")) or url_for("progress.dashboard"))
        form.password.errors.append("Email or password is incorrect.")
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # Ends this session on the server: a copy of the cookie taken before is refused from now on.
        services.end_sessions(current_user._get_current_object())
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("catalog.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, request.remote_addr)
        # The same words whether or not the address has an account.
        flash("If an account uses that address, we have sent it a link to choose a new password. "
              "It works for one hour.", "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = services.user_for_reset_token(token)
    if user is None:
        return render_template("accounts/link_expired.html", what="password reset"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.new.data)
        logout_user()
        flash("Your password is changed and every session was signed out. Log in with the new password.", "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    profile = ProfileForm(prefix="profile", obj=current_user)
    password = PasswordForm(prefix="password")
    email = EmailChangeForm(prefix="email")
    if "profile-name" in request.form and profile.validate_on_submit():
        services.rename(current_user, profile.name.data)
        flash("Name saved.", "success")
        return redirect(url_for("accounts.account"))
    if "password-new" in request.form and password.validate_on_submit():
        if current_user.check_password(password.current.data):
            services.change_password(current_user._get_current_object(), password.new.data)
            flash("Password changed. Every other session and all API tokens were signed out.", "success")
            return redirect(url_for("accounts.account"))
        password.current.errors.append("Current password is incorrect.")
    if "email-email" in request.form and email.validate_on_submit():
        if current_user.check_password(email.password.data):
            services.request_email_change(current_user._get_current_object(), email.email.data)
            flash(f"We sent a confirmation link to {services.normalize_email(email.email.data)}. "
                  "Your address changes when you open it.", "info")
            return redirect(url_for("accounts.account"))
        email.password.errors.append("Current password is incorrect.")
    return _account_page(profile=profile, password=password, email=email)


def _account_page(status: int = 200, new_token: str | None = None, **forms):
    forms.setdefault("profile", ProfileForm(prefix="profile", obj=current_user))
    forms.setdefault("password", PasswordForm(prefix="password"))
    forms.setdefault("email", EmailChangeForm(prefix="email"))
    forms.setdefault("delete", DeleteAccountForm(prefix="delete"))
    return render_template("accounts/account.html", tokens=services.list_tokens(current_user), confirm=ConfirmForm(),
                           new_token=new_token, reports=problem_reports.for_user(current_user.id), **forms), status


@bp.route("/account/email/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    found = services.email_change_for_token(token)
    if found is None:
        return render_template("accounts/link_expired.html", what="email change"), 400
    user, new_email = found
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.change_email(user, new_email)
        except services.AccountError:
            flash("That address belongs to another account now; your email was not changed.", "error")
        else:
            flash(f"Your email address is now {new_email}.", "success")
        return redirect(url_for("accounts.account" if current_user.is_authenticated else "accounts.login"))
    return render_template("accounts/confirm_email.html", form=form, new_email=new_email)


@bp.post("/account/tokens")
@login_required
def create_token():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _, token = services.issue_token(current_user._get_current_object())
    return _account_page(201, new_token=token)  # shown once, never again


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not services.revoke_token(current_user._get_current_object(), token_id):
        abort(404)
    flash("Token revoked.", "success")
    return redirect(url_for("accounts.account"))


@bp.get("/account/export")
@login_required
def export():
    body = json.dumps(export_data.export_json(current_user), indent=2, ensure_ascii=False)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": "attachment; filename=learnpath-export.json"})


@bp.get("/account/export.csv")
@login_required
def export_csv():
    return Response(export_data.export_csv(current_user), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=learnpath-answers.csv"})


@bp.post("/account/delete")
@login_required
def delete():
    form = DeleteAccountForm(prefix="delete")
    if form.validate_on_submit() and current_user.check_password(form.password.data):
        user = current_user._get_current_object()
        logout_user()
        services.delete_account(user)
        flash("Your account and all its data have been deleted.", "info")
        return redirect(url_for("catalog.home"))
    if form.password.data and not form.errors:
        form.password.errors.append("Password is incorrect.")
    return _account_page(400, delete=form)
