from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

HOURS = [SelectChoice(str(h), f"{h:02d}:00") for h in range(24)]
HOUR_RULE = "Choose an hour between 00:00 and 23:00."


def _hour(value):
    """A whole hour 0-23, or None (reported by validate_hour) for anything else sent."""
    try:
        hour = int(value)
    except (TypeError, ValueError):
        return None
    return hour if 0 <= hour <= 23 else None


class ReminderForm(FlaskForm):
    enabled = BooleanField("Email me a daily reminder")
    hour = SelectField("Send it from", choices=HOURS, coerce=_hour, validate_choice=False,
                       description="In your time zone. The mail goes once a day, at this hour or soon after.")
    reviews_due = BooleanField("Reviews due (how many, and about how long they take)")
    streak_at_risk = BooleanField("My streak is at risk (I have a streak and have not studied yet that day)")

    def validate_hour(self, field):
        if field.data is None:
            raise ValidationError(HOUR_RULE)

    def validate_enabled(self, field):
        if field.data and not (self.reviews_due.data or self.streak_at_risk.data):
            raise ValidationError("Tick at least one thing to be reminded of, or turn reminders off.")
