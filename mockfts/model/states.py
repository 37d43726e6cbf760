"""Job and file state names and sets (fts-rest-flask models, DB schema 10.0.1)."""

from __future__ import annotations

# File states
SUBMITTED, READY, ACTIVE, FINISHED, FAILED, CANCELED = (
    "SUBMITTED",
    "READY",
    "ACTIVE",
    "FINISHED",
    "FAILED",
    "CANCELED",
)
STAGING, STARTED, ARCHIVING, NOT_USED = "STAGING", "STARTED", "ARCHIVING", "NOT_USED"
ON_HOLD, ON_HOLD_STAGING, FORCE_START, TOKEN_PREP = (
    "ON_HOLD",
    "ON_HOLD_STAGING",
    "FORCE_START",
    "TOKEN_PREP",
)
QOS_TRANSITION, QOS_REQUEST_SUBMITTED = "QOS_TRANSITION", "QOS_REQUEST_SUBMITTED"
# Job-only states
FINISHEDDIRTY, DELETE = "FINISHEDDIRTY", "DELETE"

JOB_ACTIVE_STATES = frozenset(
    {
        STAGING,
        SUBMITTED,
        READY,
        ACTIVE,
        DELETE,
        ARCHIVING,
        QOS_TRANSITION,
        QOS_REQUEST_SUBMITTED,
    }
)
JOB_TERMINAL_STATES = frozenset({FINISHED, FAILED, FINISHEDDIRTY, CANCELED})

FILE_ACTIVE_STATES = frozenset(
    {
        STAGING,
        STARTED,
        SUBMITTED,
        READY,
        ACTIVE,
        ARCHIVING,
        QOS_TRANSITION,
        QOS_REQUEST_SUBMITTED,
        FORCE_START,
    }
)
FILE_WAITING_STATES = frozenset({NOT_USED, ON_HOLD, ON_HOLD_STAGING, TOKEN_PREP})
FILE_TERMINAL_STATES = frozenset({FINISHED, FAILED, CANCELED})
# Queued files a max-time-in-queue expiry cancels (FTS3 MySqlAPI::cancelExpiredJobsForVo).
FILE_QUEUED_STATES = frozenset({SUBMITTED, STAGING, ON_HOLD, ON_HOLD_STAGING, NOT_USED})

# Job types
REGULAR, MULTIPLE_REPLICA, MULTIHOP, SESSION_REUSE = "N", "R", "H", "Y"

# Reasons written by the REST layer and the daemon
REASON_USER_CANCEL = "Job canceled by the user"
REASON_FILES_FAILED = (
    "One or more files failed. Please have a look at the details for more information"
)
REASON_INCONSISTENT = "Inconsistent internal state!"
REASON_QUEUE_TIMEOUT = (
    "Job has been canceled because it stayed in the queue for too long (max-time-in-queue timeout)"
)
REASON_GLOBAL_QUEUE_TIMEOUT = (
    "Job has been canceled because it stayed in the queue for too long (global timeout)"
)
