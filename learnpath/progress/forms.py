from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, ValidationError

from learnpath.timezones import is_known_zone


class TimeZoneForm(FlaskForm):
    """The learner's time zone: picked from the account page's list, or sent once by the browser."""

    time_zone = StringField("Your time zone", validators=[DataRequired(message="Choose a time zone.")])

    def validate_time_zone(self, field) -> None:
        if not is_known_zone(field.data):
            raise ValidationError("Choose a time zone from the list (for example Europe/Paris).")
