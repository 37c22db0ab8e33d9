"""Domain defaults shared by the content parser, the models and the services.

No imports, so every layer (including the pure content parser) may use them.
"""

DEFAULT_PASS_MARK = 70  # percent of a quiz's points needed to pass it, unless the course sets pass_mark

# The range a learner may choose for FSRS's desired retention, in percent. Below 70% reviews come so
# rarely that most cards are forgotten; above 97% the number of reviews grows steeply for little gain
# (FSRS's own guidance keeps it between 0.70 and 0.97).
MIN_DESIRED_RETENTION_PERCENT = 70
MAX_DESIRED_RETENTION_PERCENT = 97
