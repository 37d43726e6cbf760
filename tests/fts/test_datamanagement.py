"""``/dm/*`` on gfal2 mock:// storage, as fts-rest-flask 3.13.4 ``datamanagement.py`` answers.

Token and anonymous callers run on both transports; X.509 users are given to the
in-process transport directly (like test_authorization), and one grid user goes
through real TLS with the official client (like test_x509).
"""

from __future__ import annotations

import json
from urllib.parse import quote

import fts3.rest.client.easy as easy
import pytest
import requests
from fts3.rest.client.exceptions import NeedDelegation

from mockfts import FtsDouble

ALICE = "/DC=org/DC=example/CN=Alice"
DIR = "mock://se.example/data/dir?list=a.root:644:10,sub:40755,raw"
FILE = "mock://se.example/data/file?size=1024"


def error(status: str, message: str) -> dict:
    return {"status": status, "message": message}


def get(fts, route: str, surl: str | None, **kwargs):
    query = "" if surl is None else "?surl=" + quote(surl, safe="")
    return requests.get(f"{fts.endpoint}/dm/{route}{query}", timeout=5, **kwargs)


def post(fts, route: str, body, **kwargs):
    return requests.post(f"{fts.endpoint}/dm/{route}", json=body, timeout=5, **kwargs)


@pytest.fixture
def alice(fts_mock):
    """A certificate user of dteam with a delegated proxy, in-process."""
    fts_mock.identity = fts_mock.certificate_user(ALICE, ["/dteam/Role=NULL"])
    return fts_mock


# --- who may call ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "route, call",
    [
        ("stat", lambda fts: get(fts, "stat", FILE)),
        ("mkdir", lambda fts: post(fts, "mkdir", {"surl": FILE})),
    ],
)
def test_anonymous_callers_are_refused_before_anything_else(fts, route, call):
    reply = call(fts)
    assert (reply.status_code, reply.json()) == (
        403,
        error("403 Forbidden", "Not enough permissions"),
    )


@pytest.mark.parametrize(
    "route, call",
    [
        ("list", lambda fts, h: get(fts, "list", DIR, headers=h)),
        ("stat", lambda fts, h: get(fts, "stat", FILE, headers=h)),
        ("mkdir", lambda fts, h: post(fts, "mkdir", {"surl": FILE}, headers=h)),
        ("unlink", lambda fts, h: post(fts, "unlink", {"surl": FILE}, headers=h)),
        ("rmdir", lambda fts, h: post(fts, "rmdir", {"surl": FILE}, headers=h)),
        ("rename", lambda fts, h: post(fts, "rename", {"old": FILE, "new": FILE}, headers=h)),
    ],
)
def test_token_users_have_no_stored_credential_so_every_operation_is_419(
    fts, alice_token, route, call
):
    reply = call(fts, {"Authorization": f"Bearer {alice_token}"})
    assert (reply.status_code, reply.json()) == (
        419,
        error("419 Authentication Timeout", "No delegated proxy available"),
    )


def test_token_users_get_surl_errors_of_list_and_stat_before_the_credential(fts, alice_token):
    headers = {"Authorization": f"Bearer {alice_token}"}
    missing = get(fts, "stat", None, headers=headers)
    assert (missing.status_code, missing.json()) == (
        400,
        error("400 Bad Request", "Missing surl parameter"),
    )
    local = get(fts, "list", "file:///etc/grid-security", headers=headers)
    assert (local.status_code, local.json()) == (
        400,
        error("400 Bad Request", "Forbiden SURL scheme"),
    )


def test_a_token_users_expired_stored_token_is_named_as_a_token(fts_mock):
    token = fts_mock.token_for("dave", vo="dteam")
    with fts_mock.state.lock:
        dave = fts_mock.state.tokens.identity(token)
    fts_mock.state.delegate(dave, lifetime=0)  # as an older server would have stored it
    reply = get(fts_mock, "stat", FILE, headers={"Authorization": f"Bearer {token}"})
    assert (reply.status_code, reply.json()) == (
        419,
        error(
            "419 Authentication Timeout",
            f"Token with delegationId ({dave.delegation_id}), has expired",
        ),
    )


def test_certificate_user_without_delegation_gets_419(fts_mock):
    fts_mock.identity = fts_mock.certificate_user(ALICE, ["/dteam/Role=NULL"], delegated=False)
    reply = post(fts_mock, "mkdir", {"surl": FILE})
    assert (reply.status_code, reply.json()) == (
        419,
        error("419 Authentication Timeout", "No delegated proxy available"),
    )


def test_expired_proxy_gets_419_with_the_delegation_id(alice):
    alice.state.clock.advance(13 * 3600)  # past the 12 h delegation
    reply = get(alice, "stat", FILE)
    assert (reply.status_code, reply.json()) == (
        419,
        error(
            "419 Authentication Timeout",
            f"Delegated proxy expired ({alice.identity.delegation_id})",
        ),
    )


def test_a_proxy_with_minutes_left_still_works_unlike_submission(fts_mock):
    user = fts_mock.certificate_user(ALICE, ["/dteam/Role=NULL"], delegated=False)
    fts_mock.state.delegate(user, lifetime=600)
    fts_mock.identity = user
    assert get(fts_mock, "stat", FILE).status_code == 200


# --- stat and list --------------------------------------------------------------------


def test_stat_reports_the_size_and_a_regular_file_mode(alice):
    reply = get(alice, "stat", FILE)
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.text == (
        '{"mode": 33261, "nlink": 0, "size": 1024, "atime": 0, "mtime": 0, "ctime": 0}'
    )


def test_stat_of_a_listed_url_is_a_directory(alice):
    assert get(alice, "stat", DIR).json()["mode"] == 0o40755


def test_list_names_directories_with_a_slash_and_keeps_the_plugins_modes(alice):
    assert get(alice, "list", DIR).json() == {
        "a.root": {"size": 10, "mode": 0o100644, "mtime": 0},
        "sub/": {"size": 0, "mode": 0o40755, "mtime": 0},
        "raw": {"size": 0, "mode": 0, "mtime": 0},  # no ':' -> the plugin leaves mode 0
    }


def test_a_mode_without_size_reads_the_next_entrys_leading_digits(alice):
    # strtol past the NUL strtok_r wrote: the plugin's own quirk
    listing = get(alice, "list", "mock://se/d?list=x:644,7days,y:644:3").json()
    assert listing["x"]["size"] == 7 and listing["7days"]["size"] == 0
    assert listing["y"]["size"] == 3


def test_list_of_a_file_is_not_a_directory(alice):
    reply = get(alice, "list", FILE)
    assert (reply.status_code, reply.json()) == (
        400,
        error("400 Bad Request", "[20] Not a directory"),
    )


def test_list_of_an_empty_list_parameter_is_not_a_directory(alice):
    assert get(alice, "list", "mock://se/d?list=").json()["message"] == "[20] Not a directory"


@pytest.mark.parametrize(
    "code, status, text",
    [
        (2, "404 Not Found", "No such file or directory"),
        (13, "403 Forbidden", "Permission denied"),
        (1, "403 Forbidden", "Operation not permitted"),
        (11, "503 Service Unavailable", "Resource temporarily unavailable"),
        (16, "503 Service Unavailable", "Device or resource busy"),
        (110, "503 Service Unavailable", "Connection timed out"),
        (20, "400 Bad Request", "Not a directory"),
        (93, "400 Bad Request", "Protocol not supported"),
    ],
)
def test_stat_errno_maps_to_the_real_servers_status(alice, code, status, text):
    reply = get(alice, "stat", f"mock://se/f?size=1&errno={code}")
    assert (reply.status_code, reply.json()) == (int(status[:3]), error(status, f"[{code}] {text}"))


@pytest.mark.parametrize(
    "code, status",
    [
        (17, "409 Conflict"),
        (39, "409 Conflict"),
        (22, "400 Bad Request"),
        (30, "403 Forbidden"),
        (61, "404 Not Found"),
        (5, "424 Failed Dependency"),
        (111, "424 Failed Dependency"),
    ],
)
def test_errnos_the_real_server_answers_500_get_a_4xx_here(alice, code, status):
    reply = get(alice, "stat", f"mock://se/f?errno={code}")
    assert reply.status_code == int(status[:3])
    assert reply.json()["status"] == status
    assert reply.json()["message"].startswith(f"[{code}] ")


def test_an_errno_above_255_is_cut_by_the_child_exit_status(alice):
    reply = get(alice, "stat", "mock://se/f?errno=258")
    assert (reply.status_code, reply.json()) == (
        404,
        error("404 Not Found", "[2] Unknown error 258"),
    )


def test_a_wait_of_thirty_seconds_hits_the_childs_alarm(alice):
    reply = get(alice, "stat", "mock://se/f?wait=30")
    assert (reply.status_code, reply.json()) == (
        503,
        error("503 Service Unavailable", "[110] Timeout expired"),
    )
    assert get(alice, "stat", "mock://se/f?wait=29&size=4").json()["size"] == 4


def test_size_post_before_size_is_what_the_plugin_reads_as_size(alice):
    assert get(alice, "stat", "mock://se/f?size_post=7&size=9").json()["size"] == 7


def test_a_surl_without_plugin_is_protocol_not_supported(alice):
    reply = get(alice, "stat", "https://eos.example/f")
    assert (reply.status_code, reply.json()) == (
        400,
        error(
            "400 Bad Request",
            "[93] Protocol not supported or path/url invalid: https://eos.example/f",
        ),
    )


@pytest.mark.parametrize("surl", ["file:///etc/passwd", "FILE:/etc/passwd"])
def test_file_scheme_is_forbidden_on_list_and_stat(alice, surl):
    for route in ("list", "stat"):
        reply = get(alice, route, surl)
        assert (reply.status_code, reply.json()) == (
            400,
            error("400 Bad Request", "Forbiden SURL scheme"),
        )


# --- mkdir, unlink, rmdir, rename -------------------------------------------------------


def test_mkdir_succeeds_with_gfal2s_return_value(alice):
    reply = post(alice, "mkdir", {"surl": "mock://se/data/new"})
    assert (reply.status_code, reply.text) == (200, "0")


def test_mkdir_under_a_read_only_path_is_refused(alice):
    surl = "mock://se/super/path?rd_path=mock://se/super/"
    reply = post(alice, "mkdir", {"surl": "mock://se/super/path?rd_path=mock://se/super/path/"})
    assert (reply.status_code, reply.json()) == (
        403,
        error("403 Forbidden", "[1] Operation not permitted"),
    )
    assert post(alice, "mkdir", {"surl": surl}).status_code == 200  # rd_path shorter: allowed


def test_unlink_stats_the_file_first(alice):
    assert post(alice, "unlink", {"surl": FILE}).text == "0"
    reply = post(alice, "unlink", {"surl": "mock://se/f?errno=2"})
    assert (reply.status_code, reply.json()) == (
        404,
        error("404 Not Found", "[2] No such file or directory"),
    )


def test_unlink_of_a_file_url_is_not_refused_by_scheme_but_has_no_plugin(alice):
    reply = post(alice, "unlink", {"surl": "file:///tmp/x"})
    assert reply.json() == error(
        "400 Bad Request", "[93] Protocol not supported or path/url invalid: file:///tmp/x"
    )


def test_rmdir_and_rename_are_not_supported_by_the_mock_plugin(alice):
    rmdir = post(alice, "rmdir", {"surl": "mock://se/dir?list=a"})
    assert (rmdir.status_code, rmdir.json()) == (
        400,
        error(
            "400 Bad Request",
            "[93] Protocol not supported or path/url invalid: mock://se/dir?list=a",
        ),
    )
    rename = post(alice, "rename", {"old": "mock://se/a", "new": "mock://se/b"})
    assert rename.json()["message"] == (
        "[93] Protocol not supported or path/url invalid: mock://se/a"
    )


@pytest.mark.parametrize(
    "route, body, message",
    [
        ("mkdir", {}, "[5] 'surl'"),
        ("unlink", {"surl": ""}, '[5] 400 Bad Request: No parameter "surl" specified'),
        ("rmdir", ["mock://se/d"], "[5] list indices must be integers or slices, not str"),
        ("mkdir", {"surl": 7}, "[5] object of type 'int' has no len()"),
        ("rename", {"old": ""}, "[5] 400 Bad Request: No old or name specified"),
        ("rename", {"old": "mock://se/a"}, "[5] 'new'"),
    ],
)
def test_body_errors_raised_in_the_gfal2_child_are_400_with_the_real_message(
    alice, route, body, message
):
    reply = post(alice, route, body)
    assert (reply.status_code, reply.json()) == (400, error("400 Bad Request", message))


def test_a_form_body_is_malformed_because_only_exact_json_is_read(alice):
    reply = requests.post(alice.endpoint + "/dm/mkdir", data={"surl": FILE}, timeout=5)
    assert (reply.status_code, reply.json()) == (
        400,
        error("400 Bad Request", "Malformed request: a bytes-like object is required, not 'str'"),
    )
    charset = requests.post(
        alice.endpoint + "/dm/mkdir",
        data=json.dumps({"surl": FILE}),
        headers={"Content-Type": "application/json; charset=utf-8"},
        timeout=5,
    )
    assert charset.status_code == 400 and charset.json()["message"].startswith("Malformed")


def test_unparsable_json_is_an_invalid_value(alice):
    reply = requests.post(
        alice.endpoint + "/dm/unlink",
        data=b"{surl",
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert (reply.status_code, reply.json()) == (
        400,
        error(
            "400 Bad Request",
            "Invalid value within the request: Expecting property name "
            "enclosed in double quotes: line 1 column 2 (char 1)",
        ),
    )


def test_an_errno_multiple_of_256_on_a_post_route_fails_as_unparsable_output(alice):
    reply = post(alice, "unlink", {"surl": "mock://se/f?errno=256"})
    assert (reply.status_code, reply.json()) == (
        400,
        error(
            "400 Bad Request",
            "Invalid value within the request: Expecting value: line 1 column 1 (char 0)",
        ),
    )


def test_the_credential_is_checked_before_the_body_is_read(fts_mock):
    fts_mock.identity = fts_mock.certificate_user(ALICE, ["/dteam/Role=NULL"], delegated=False)
    reply = requests.post(fts_mock.endpoint + "/dm/rename", data=b"not json", timeout=5)
    assert reply.status_code == 419


def test_only_post_is_routed_for_the_write_operations(alice):
    reply = requests.get(alice.endpoint + "/dm/mkdir", timeout=5)
    assert (reply.status_code, reply.json()["message"]) == (
        405,
        "The method is not allowed for the requested URL.",
    )


# --- over TLS with the official client -------------------------------------------------


@pytest.fixture(scope="module")
def grid():
    double = FtsDouble()
    double.pki  # noqa: B018 - create the PKI once for the module
    yield double


def test_a_grid_user_over_tls_stats_after_delegating(grid):
    grid.reset()
    credential = grid.proxy(ALICE, vo="dteam")
    with grid.serve_tls() as server:
        ctx = easy.Context(
            server.url,
            ucert=str(credential.path),
            ukey=str(credential.path),
            capath=str(grid.pki.capath),
        )
        path = "/dm/stat?surl=" + quote(FILE, safe="")
        with pytest.raises(NeedDelegation):  # the client names every 419 so
            ctx.get(path)
        easy.delegate(ctx)
        assert json.loads(ctx.get(path))["size"] == 1024
        assert json.loads(ctx.post_json("/dm/mkdir", {"surl": "mock://se/new"})) == 0
