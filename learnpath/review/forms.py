from flask_wtf import FlaskForm
from wtforms import DecimalField
from wtforms.validators import InputRequired, NumberRange


class RetentionForm(FlaskForm):
    desired_retention = DecimalField(
        "Desired retention (%)", places=0, validators=[InputRequired(), NumberRange(70, 97)],
        description="How likely you want to be to remember a question when it comes back for review. Higher means "
                    "more frequent reviews; 90% is a good default.")
