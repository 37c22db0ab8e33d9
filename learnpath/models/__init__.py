"""Typed SQLAlchemy 2.0 models, one module per area."""
from learnpath.models.accounts import ApiToken, AuditEntry, Throttle, User
from learnpath.models.imports import ContentImport
from learnpath.models.catalog import CatalogState, Course, Dataset, CourseLesson, Lesson, Question, Topic, Track, lesson_topic, question_topic
from learnpath.models.progress import Answer, Attempt, DailyActivity, Enrollment, LessonProgress, TopicStat
from learnpath.models.reminders import ReminderPreference, ReminderSent
from learnpath.models.reports import QuestionReport
from learnpath.models.review import Path, PathCourse, ReviewCard, course_prerequisite

__all__ = [
    "Answer", "ApiToken", "AuditEntry", "Attempt", "CatalogState", "ContentImport", "Course", "CourseLesson", "DailyActivity", "Dataset", "TopicStat", "Enrollment", "Lesson", "LessonProgress",
    "Path", "PathCourse", "Question", "QuestionReport", "ReminderPreference", "ReminderSent", "ReviewCard", "Throttle", "Topic", "Track", "User", "course_prerequisite", "lesson_topic",
    "question_topic",
]
