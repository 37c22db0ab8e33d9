from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from learnpath.models.reports import COMMENT_MAX, REPORT_REASONS


class ReportForm(FlaskForm):
    reason = RadioField("What is wrong?", choices=[SelectChoice(value, label) for value, label in REPORT_REASONS.items()],
                        validators=[InputRequired("Choose what is wrong with the question.")])
    comment = TextAreaField("Comment", validators=[Length(max=COMMENT_MAX,
                                                          message=f"Keep the comment to {COMMENT_MAX} characters.")])
    next = HiddenField()

    def validate_comment(self, field):
        if self.reason.data == "other" and not (field.data or "").strip():
            raise ValidationError("Say what is wrong: a comment is required when the reason is “Something else”.")
