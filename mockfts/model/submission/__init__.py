"""Submission: from a request body to a job, as fts-rest-flask's JobBuilder does it.

``builder`` assembles the job; ``params``, ``urls`` and ``token_rules`` hold the
checks and derivations it applies.
"""

from mockfts.model.submission.builder import (
    SELECTION_STRATEGIES,
    SubmissionContext,
    SubmissionLimits,
    build_job,
)
from mockfts.model.submission.params import DEFAULT_PARAMS
from mockfts.model.submission.token_rules import token_id
from mockfts.model.submission.urls import storage_of, validate_url

__all__ = [
    "DEFAULT_PARAMS",
    "SELECTION_STRATEGIES",
    "SubmissionContext",
    "SubmissionLimits",
    "build_job",
    "storage_of",
    "token_id",
    "validate_url",
]
