from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

MIN_PASSWORD = 10
PASSWORD_RULE = f"Use at least {MIN_PASSWORD} characters (and at most 200)."


class SignupForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200, message=PASSWORD_RULE)],
                             description=f"At least {MIN_PASSWORD} characters.")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Remember me")


class ProfileForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    new = PasswordField("New password", validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200, message=PASSWORD_RULE)])
    confirm = PasswordField("Repeat new password", validators=[DataRequired(), EqualTo("new", "Passwords differ.")])


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    confirm = BooleanField("I understand that my progress and history will be deleted for good",
                           validators=[DataRequired("Tick the box to confirm.")])


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    new = PasswordField("New password", validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200, message=PASSWORD_RULE)],
                        description=f"At least {MIN_PASSWORD} characters.")
    confirm = PasswordField("Repeat new password", validators=[DataRequired(), EqualTo("new", "Passwords differ.")])


class EmailChangeForm(FlaskForm):
    email = EmailField("New email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    password = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])


class ConfirmForm(FlaskForm):
    """A button and its CSRF token: for confirmations and revocations."""
