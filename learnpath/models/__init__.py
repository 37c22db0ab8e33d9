"""Typed SQLAlchemy 2.0 models, one module per area."""
from learnpath.models.accounts import ApiToken, User
from learnpath.models.catalog import Course, Dataset, CourseLesson, Lesson, Question, Topic, Track, lesson_topic, question_topic
from learnpath.models.progress import Answer, Attempt, Enrollment, LessonProgress

__all__ = [
    "Answer", "ApiToken", "Attempt", "Course", "CourseLesson", "Dataset", "Enrollment", "Lesson", "LessonProgress",
    "Question", "Topic", "Track", "User", "lesson_topic", "question_topic",
]
