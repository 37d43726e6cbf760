"""The dashboard at ``/_mock/ui`` in a real browser (Debian's chromium and
chromium-driver through selenium, headless): each page shows what the API says, follows
the clock without a reload, and its buttons steer the double."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import globus_sdk
import pytest
import requests

from mockfts import FtsDouble
from mockglobus import GlobusDouble
from mockglobus.transfer.seed import TUTORIAL_COLLECTION_1, TUTORIAL_COLLECTION_2

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
SHOTS = os.environ.get("DASHBOARD_SCREENSHOTS")  # a folder: keep the screenshots there


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if CHROMIUM is None or DRIVER is None:
        pytest.skip("Debian's chromium and chromium-driver are not installed (make test does)")
    os.environ.setdefault("SE_OFFLINE", "true")  # never let selenium fetch a browser
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def _row_text(browser, table: str, key: str) -> str:
    """The text of the row of ``table`` that holds ``key`` ("" when there is none), read
    in one script call: the page redraws its tables every second."""
    rows = browser.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(r => r.innerText)",
        f"#{table} tr",
    )
    return next((row for row in rows if key in row), "")


def _click_row(browser, table: str, test: str, *args: object) -> None:
    """Click the first row of ``table`` for which the JavaScript expression ``test`` (of
    ``r``, with ``arguments``) holds. The page redraws its tables every second, so the
    row may be missing for a moment: look again until it is there."""
    script = (
        f"const row = [...document.querySelectorAll('#{table} tr')].find(r => {test});"
        " if (row) { row.click(); return true; } return false;"
    )
    _wait(browser, lambda: browser.execute_script(script, *args))


def _table_text(browser, table: str) -> str:
    return browser.execute_script("return document.getElementById(arguments[0]).innerText", table)


def _wait(browser, condition, timeout: float = 20.0):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout, poll_frequency=0.2).until(lambda _: condition())


def _shot(browser, tmp_path: Path, name: str) -> None:
    browser.save_screenshot(str(tmp_path / f"{name}.png"))
    if SHOTS:
        browser.save_screenshot(str(Path(SHOTS) / f"{name}.png"))


@pytest.fixture
def globus_served():
    """A served Globus double and a TransferClient of alice's on it."""
    double = GlobusDouble()
    server = double.serve()
    server.start()
    token = double.token_for("alice@globusid.org")
    tc = globus_sdk.TransferClient(
        authorizer=globus_sdk.AccessTokenAuthorizer(token), base_url=server.url + "/"
    )
    yield server, tc
    server.stop()


@pytest.fixture
def fts_served():
    double = FtsDouble()
    server = double.serve()
    server.start()
    yield double
    server.stop()


def test_the_fts_page_shows_a_job_as_the_api_does_and_advance_finishes_it(
    browser, fts_served, tmp_path
):
    from selenium.webdriver.common.by import By

    url = fts_served.url
    headers = {"Authorization": f"Bearer {fts_served.token_for('alice', 'dteam')}"}
    body = {
        "files": [
            {
                "sources": ["mock://src.example/f?size=1048576"],
                "destinations": ["mock://dst.example/f?size_post=1048576&time=30"],
            }
        ]
    }
    job_id = requests.post(f"{url}/jobs", json=body, headers=headers, timeout=10).json()["job_id"]
    browser.get(f"{url}/_mock/ui")

    def api_state() -> str:
        return requests.get(f"{url}/jobs/{job_id}", headers=headers, timeout=10).json()["job_state"]

    _wait(browser, lambda: api_state() in _row_text(browser, "jobs", job_id))
    assert "SUBMITTED" in _row_text(browser, "jobs", job_id)
    browser.find_element(By.CSS_SELECTOR, "button[data-advance='60']").click()
    _wait(browser, lambda: "FINISHED" in _row_text(browser, "jobs", job_id))
    assert api_state() == "FINISHED"
    assert "mock://src.example" in _table_text(browser, "links")
    # the job's page: its files and timeline
    _click_row(browser, "jobs", "r.innerText.includes(arguments[0])", job_id)
    _wait(browser, lambda: "job FINISHED" in _table_text(browser, "job-timeline"))
    assert "FINISHED" in _table_text(browser, "job-files")
    # a journal entry shows its bodies
    _click_row(browser, "journal", r"/POST\s+\/jobs\s/.test(r.innerText)")
    _wait(browser, lambda: job_id in browser.find_element(By.ID, "bodies").text)
    _shot(browser, tmp_path, "dashboard-fts")


def test_the_fts_page_shows_configuration_and_bans_read_only(browser):
    double = FtsDouble(scenario="banned-storage")
    server = double.serve()
    server.start()
    try:
        browser.get(f"{server.url}/_mock/ui")
        _wait(browser, lambda: "mock://repair.example" in _table_text(browser, "bans"))
        assert "WAIT_AS" in _row_text(browser, "bans", "mock://repair.example")
        assert "CANCEL" in _row_text(browser, "bans", "mock://gone.example")
    finally:
        server.stop()


def test_a_fault_armed_on_the_page_is_armed_on_the_double(browser, fts_served):
    from selenium.webdriver.common.by import By

    browser.get(f"{fts_served.url}/_mock/ui")
    form = browser.find_element(By.ID, "fault-form")
    form.find_element(By.NAME, "path").send_keys("/whoami")
    form.find_element(By.NAME, "status").clear()
    form.find_element(By.NAME, "status").send_keys("503")
    form.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    _wait(browser, lambda: "503 * /whoami" in _table_text(browser, "faults"))
    assert [f.describe() for f in fts_served.faults.armed] == ["503 * /whoami"]
    assert requests.get(f"{fts_served.url}/whoami", timeout=10).status_code == 503
    _wait(browser, lambda: "/whoami" in _table_text(browser, "journal"))


def test_the_globus_page_follows_a_task_to_its_end(browser, globus_served, tmp_path):
    from selenium.webdriver.common.by import By

    server, tc = globus_served
    data = globus_sdk.TransferData(TUTORIAL_COLLECTION_1, TUTORIAL_COLLECTION_2)
    data.add_item("/home/share/godata/file1.txt", "/~/copied.txt")
    task_id = tc.submit_transfer(data)["task_id"]
    browser.get(f"{server.url}/_mock/ui")
    _wait(browser, lambda: "ACTIVE" in _row_text(browser, "tasks", task_id))
    browser.find_element(By.CSS_SELECTOR, "button[data-advance='600']").click()
    _wait(browser, lambda: "SUCCEEDED" in _row_text(browser, "tasks", task_id))
    assert tc.get_task(task_id)["status"] == "SUCCEEDED"
    # the task's page: its events, as the API lists them
    _click_row(browser, "tasks", "r.innerText.includes(arguments[0])", task_id)
    codes = [e["code"] for e in tc.task_event_list(task_id)]
    _wait(browser, lambda: all(c in _table_text(browser, "task-events") for c in codes))
    # the Auth panel: the token used above is listed; a click revokes it for real
    _click_row(
        browser,
        "tokens",
        "r.innerText.includes('transfer.api.globus.org') && r.innerText.includes('true')",
    )
    _wait(browser, lambda: "false" in _table_text(browser, "tokens"))
    with pytest.raises(globus_sdk.TransferAPIError) as refused:
        tc.get_task(task_id)
    assert refused.value.http_status == 401
    _shot(browser, tmp_path, "dashboard-globus")


def test_the_globus_file_browser_lists_what_operation_ls_lists(browser, globus_served):
    from selenium.webdriver.support.ui import Select

    server, tc = globus_served
    names = sorted(
        e["name"] for e in tc.operation_ls(TUTORIAL_COLLECTION_1, path="/home/share/godata/")
    )
    browser.get(f"{server.url}/_mock/ui")
    _wait(browser, lambda: len(Select(browser.find_element("id", "collection")).options) > 1)
    Select(browser.find_element("id", "collection")).select_by_value(TUTORIAL_COLLECTION_1)
    for directory in ("home", "share", "godata"):  # click down the tree
        _wait(browser, lambda d=directory: d in _table_text(browser, "listing"))
        _click_row(browser, "listing", "r.cells[0].innerText === arguments[0]", directory)
    _wait(browser, lambda: all(n in _table_text(browser, "listing") for n in names))


def test_the_jobs_filter_by_submission_time(browser, fts_served):
    url = fts_served.url
    headers = {"Authorization": f"Bearer {fts_served.token_for('alice', 'dteam')}"}
    body = {"files": [{"sources": ["mock://a.example/f"], "destinations": ["mock://b.example/f"]}]}
    job_id = requests.post(f"{url}/jobs", json=body, headers=headers, timeout=10).json()["job_id"]
    browser.get(f"{url}/_mock/ui")
    _wait(browser, lambda: job_id in _table_text(browser, "jobs"))
    browser.find_element("id", "filter-after").send_keys("2999-01-01")
    _wait(browser, lambda: job_id not in _table_text(browser, "jobs"))


@pytest.mark.parametrize("command", ["mockfts", "mockglobus"])
def test_serve_prints_where_the_dashboard_is(command):
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", command, "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = next(line for line in proc.stdout if "/_mock/ui" in line)
        url = line.split()[-1]
        assert requests.get(url, timeout=10).headers["Content-Type"].startswith("text/html")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
