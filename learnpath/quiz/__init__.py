"""Quizzes: question kinds (kinds/), grading, attempts (services.py) and the quiz pages (routes.py).

The blueprint lives in routes.py and is registered by create_app, so importing a part of this
package (e.g. learnpath.quiz.kinds) loads no view.
"""
