"""Exercises: one registry that powers the in-notebook ``check`` and grading.

In a notebook::

    from vgrad.exercises import check
    check(sigmoid_prime)
"""
from . import ch00, ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, ch09  # noqa: F401  (registers the exercises)
from .registry import EXERCISES, Case, Exercise, get_exercise
from .runner import Result, check, ready, run

__all__ = ["EXERCISES", "Case", "Exercise", "get_exercise", "Result", "check", "ready", "run"]
