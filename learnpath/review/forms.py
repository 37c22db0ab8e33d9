from flask_wtf import FlaskForm
from wtforms import DecimalField
from wtforms.validators import InputRequired, NumberRange

from learnpath.defaults import MAX_DESIRED_RETENTION_PERCENT, MIN_DESIRED_RETENTION_PERCENT


class RetentionForm(FlaskForm):
    desired_retention = DecimalField(
        "Desired retention (%)", places=0, validators=[InputRequired(), NumberRange(MIN_DESIRED_RETENTION_PERCENT, MAX_DESIRED_RETENTION_PERCENT)],
        description="How likely you want to be to remember a question when it comes back for review. Higher means "
                    "more frequent reviews; 90% is a good default.")
