"""Autograding: ``vgrad grade`` grades submitted notebooks in sandboxed processes, against the same
exercise registry that powers the in-notebook checks. See ``lessons/grading.md``."""
from .batch import grade_many
from .grader import Limits, SubmissionResult, grade_submission

__all__ = ["Limits", "SubmissionResult", "grade_submission", "grade_many"]
