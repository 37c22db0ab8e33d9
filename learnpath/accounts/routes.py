from flask import Response, flash, json, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from learnpath.accounts import bp, services
from learnpath.accounts.forms import DeleteAccountForm, LoginForm, PasswordForm, ProfileForm, SignupForm
from learnpath.extensions import db, limiter


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
@limiter.limit(services.auth_rate_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("progress.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user:
            login_user(user, remember=form.remember.data)
            return redirect(services.safe_next(request.args.get("next")) or url_for("progress.dashboard"))
        form.password.errors.append("Email or password is incorrect.")
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("catalog.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    profile = ProfileForm(prefix="profile", obj=current_user)
    password = PasswordForm(prefix="password")
    delete = DeleteAccountForm(prefix="delete")
    if "profile-name" in request.form and profile.validate_on_submit():
        current_user.name = profile.name.data.strip()
        db.session.commit()
        flash("Name saved.", "success")
        return redirect(url_for("accounts.account"))
    if "password-new" in request.form and password.validate_on_submit():
        if current_user.check_password(password.current.data):
            current_user.set_password(password.new.data)
            db.session.commit()
            flash("Password changed.", "success")
            return redirect(url_for("accounts.account"))
        password.current.errors.append("Current password is incorrect.")
    return render_template("accounts/account.html", profile=profile, password=password, delete=delete)


@bp.get("/account/export")
@login_required
def export():
    body = json.dumps(services.export(current_user), indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": "attachment; filename=learnpath-export.json"})


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
    return render_template("accounts/account.html", profile=ProfileForm(prefix="profile", obj=current_user),
                           password=PasswordForm(prefix="password"), delete=form), 400
