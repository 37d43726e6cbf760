"""Every service's errors are ``mockcore.errors.ServiceError``: a status and a message to
read the same way, whatever each service's envelope."""

from __future__ import annotations

import copy

import pytest

from mockcore.errors import ServiceError
from mockfts import errors as fts_errors
from mockglobus.auth import errors as auth_errors
from mockglobus.transfer import errors as transfer_errors


@pytest.mark.parametrize(
    "error, status, message",
    [
        (fts_errors.JobNotFound(job_id="j1"), 404, 'No job with the id "j1" has been found'),
        (auth_errors.InvalidGrant("refresh token expired"), 401, "refresh token expired"),
        (transfer_errors.NotFound("no such task"), 404, "no such task"),
    ],
    ids=["fts", "auth", "transfer"],
)
def test_each_service_error_is_a_service_error_with_status_and_message(error, status, message):
    assert isinstance(error, ServiceError)
    assert (error.status, error.message) == (status, message)


def test_the_message_is_the_first_argument_unless_set():
    error = ServiceError("it broke")
    assert (error.status, error.message, str(error)) == (500, "it broke", "it broke")
    error.message = "it broke badly"
    assert error.message == "it broke badly"
    assert ServiceError().message == ""


def test_transfer_keeps_its_message_apart_from_the_exception_text():
    error = transfer_errors.NotFound("no such task")
    assert str(error) == f"{error.code}: no such task"
    assert error.message == "no such task"


def test_a_copied_error_keeps_its_message():
    error = fts_errors.JobNotFound(job_id="j1")
    assert error.plain().message == copy.copy(error).message == error.message
