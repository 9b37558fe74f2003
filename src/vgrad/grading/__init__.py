"""Autograding: ``vgrad grade`` grades submitted notebooks in sandboxed processes, against the same
exercise registry that powers the in-notebook checks. See ``lessons/grading.md``.

- ``grader``   the trusted side: read a submission, run its sandbox, judge what comes back
- ``sandbox``  the student's side, a separate process (kept free of heavy imports: it starts per submission)
- ``wire``     the plain data that crosses between them
- ``batch``    many submissions in parallel; ``reports`` the output formats; ``gradescope`` its autograder zip
"""
