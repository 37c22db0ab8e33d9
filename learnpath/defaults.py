"""Domain defaults shared by the content parser, the models and the services.

No imports, so every layer (including the pure content parser) may use them.
"""

DEFAULT_PASS_MARK = 70  # percent of a quiz's points needed to pass it, unless the course sets pass_mark
