"""What the shortcuts of Transfer's request path must not change: every request is
checked and rendered anew, whatever was cached for the requests before it."""

from __future__ import annotations

import globus_sdk
import pytest
import requests

from mockglobus.transfer import TRANSFER_SCOPE
from mockglobus.transfer.seed import (
    RESEARCH_COLLECTION_ID,
    TUTORIAL_COLLECTION_1,
    TUTORIAL_COLLECTION_2,
)

from .conftest import ALICE

DATA_ACCESS = f"https://auth.globus.org/scopes/{RESEARCH_COLLECTION_ID}/data_access"


def _url(served, path: str) -> str:
    return (served.base_url or "https://transfer.api.globus.org/") + "v0.10" + path


def test_a_removed_consent_is_refused_on_the_next_request(served):
    token = served.double.token_for(ALICE, scopes=f"{TRANSFER_SCOPE}[{DATA_ACCESS}]")
    client = globus_sdk.TransferClient(
        authorizer=globus_sdk.AccessTokenAuthorizer(token), base_url=served.base_url
    )
    client.retry_config.max_retries = 0
    client.operation_ls(RESEARCH_COLLECTION_ID, path="/projects/climate/")  # caller cached
    assert served.double.auth.revoke_consent(ALICE, TRANSFER_SCOPE) > 0
    with pytest.raises(globus_sdk.TransferAPIError) as caught:
        client.operation_ls(RESEARCH_COLLECTION_ID, path="/projects/climate/")
    assert (caught.value.http_status, caught.value.code) == (403, "ConsentRequired")


def test_a_polled_task_shows_the_virtual_time_of_each_poll(served, tc):
    submission = globus_sdk.TransferData(TUTORIAL_COLLECTION_1, TUTORIAL_COLLECTION_2)
    submission.add_item("/home/share/godata/file1.txt", "/~/polled.txt")
    task_id = tc.submit_transfer(submission)["task_id"]
    first = tc.get_task(task_id)
    assert (first["status"], first["completion_time"]) == ("ACTIVE", None)
    served.model.wait_for_task(task_id)
    done = tc.get_task(task_id)
    assert done["status"] == "SUCCEEDED" and done["completion_time"] is not None
    assert done["request_time"] == first["request_time"]
    assert done["history_deleted"] is False
    served.double.advance(31 * 86_400)  # past the history's 30 days (and tc's token)
    assert served.client().get_task(task_id)["history_deleted"] is True


def test_head_answers_the_headers_of_get_without_a_body(served):
    headers = {"Authorization": f"Bearer {served.double.token_for(ALICE)}"}
    got = requests.get(_url(served, "/task_list"), headers=headers, timeout=10)
    head = requests.head(_url(served, "/task_list"), headers=headers, timeout=10)
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["Content-Type"] == "application/json"
    assert head.headers["Content-Length"] == got.headers["Content-Length"] != "0"


def test_the_journal_keeps_the_headers_each_request_sent(served):
    token = served.double.token_for(ALICE)
    url = _url(served, "/submission_id")
    for _ in range(2):  # the same headers twice over
        requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    requests.get(url, headers={"Authorization": "Bearer other", "X-Trace": "2"}, timeout=10)
    *_, second, third = served.double.journal.find("GET", "/v0.10/submission_id")
    assert second.request_headers["Authorization"] == f"Bearer {token}"
    assert "X-Trace" not in second.request_headers
    assert third.request_headers["Authorization"] == "Bearer other"
    assert third.request_headers["X-Trace"] == "2"
    assert third.status == 401
