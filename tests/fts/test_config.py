"""``/config/*`` routes (fts-rest-flask ``controllers/config/*``), in both transports with a
token user (level ``all``). ``/config/authorize``, ``/config/activity_shares``,
``/config/cloud_storage`` require an X.509 certificate, and grants change a certificate
user's levels: those tests run in-process, where an identity can be given without TLS
(``fts_mock``)."""

from __future__ import annotations

import pytest
import requests

from tests.fts.conftest import transfer

ADMIN_DN = "/DC=org/CN=Admin"
PLAIN_DN = "/DC=org/CN=Plain"


@pytest.fixture
def call(fts):
    headers = {"Authorization": f"Bearer {fts.token_for('alice', vo='dteam')}"}

    def request(method, path, **kwargs):
        return requests.request(
            method,
            fts.endpoint + path,
            headers={**headers, **kwargs.pop("headers", {})},
            timeout=5,
            **kwargs,
        )

    return request


def error(reply, status, message):
    assert reply.status_code == status
    assert reply.json()["message"] == message


# --- negotiation and hosts ---------------------------------------------------------------


@pytest.mark.parametrize(
    "accept", [None, "*/*", "application/json", "text/html;q=0.5, application/json"]
)
def test_config_documents_are_pretty_json_unless_html_is_preferred(call, accept):
    reply = call("GET", "/config", headers={"Accept": accept} if accept else {})
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "application/json"
    assert reply.text.startswith('[\n  {\n    "hostname"')
    assert {(h["hostname"], h["service_name"]) for h in reply.json()} == {
        (host, service)
        for host in ("fts-agent-01.mock", "fts-agent-02.mock")
        for service in ("fts_server", "fts_bringonline")
    }


def test_a_browser_gets_an_html_page(call):
    reply = call("GET", "/config/global", headers={"Accept": "text/html,*/*;q=0.8"})
    assert reply.headers["Content-Type"].startswith("text/html")
    assert "<pre>{\n  &quot;*&quot;: {}\n}</pre>" in reply.text


def test_an_accept_header_matching_neither_gets_json(call):
    reply = call("GET", "/config/audit", headers={"Accept": "image/png"})
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "application/json"
    assert reply.json() == []


def test_draining_a_host_is_shown_and_audited(call):
    reply = call("POST", "/config/drain", json={"hostname": "fts-agent-01.mock"})
    assert reply.status_code == 200 and reply.json() is None
    drained = {h["hostname"] for h in call("GET", "/config").json() if h["drain"]}
    assert drained == {"fts-agent-01.mock"}
    [row] = call("GET", "/config/audit").json()
    assert (row["action"], row["config"], row["dn"]) == (
        "drain",
        "Turning drain True the drain mode for fts-agent-01.mock",
        "alice",
    )


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"hostname": "fts-agent-01.mock", "drain": "yes"}, "Invalid drain request"),
        ({"drain": False}, "Invalid drain request"),
        ({"hostname": "nowhere.mock"}, "Host not found"),
    ],
)
def test_bad_drain_requests_are_refused(call, payload, message):
    error(call("POST", "/config/drain", json=payload), 400, message)
    assert call("GET", "/config/audit").json() == []


# --- global ------------------------------------------------------------------------------


def test_global_retry_drives_the_daemons_default_retries(fts, call):
    reply = call("POST", "/config/global", json={"retry": "2", "vo_name": "dteam"})
    assert reply.status_code == 200
    assert reply.json()["dteam"] == {
        "retry": 2,
        "max_time_queue": 0,
        "global_timeout": 0,
        "sec_per_mb": 0,
        "vo_name": "dteam",
        "no_streaming": False,
        "show_user_dn": False,
    }
    assert call("GET", "/config/global").json()["*"] == {}
    src, dst = transfer(dst_query="size_post=10&transfer_errno=110")
    job_id = call(
        "POST",
        "/jobs",
        json={"files": [{"sources": [src], "destinations": [dst]}], "params": {"retry": 0}},
    ).json()["job_id"]
    job = fts.run_job(job_id)
    assert job.job_state == "FAILED" and job.files[0].retry == 2
    assert call("DELETE", "/config/global?vo_name=dteam").status_code == 204
    assert "dteam" not in call("GET", "/config/global").json()
    assert fts.state.daemon.settings.vo_retry == {}


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"retries": 3}, "Field retries unknown"),
        ({"retry": "many"}, "Field retry is expected to be int"),
        ({"retry": [1]}, "Field retry is expected to be int"),
        ({"show_user_dn": 1}, "Field show_user_dn is expected to be bool"),
    ],
)
def test_global_fields_are_type_checked(call, payload, message):
    error(call("POST", "/config/global", json=payload), 400, message)


@pytest.mark.parametrize("query", ["", "?vo_name=*"])
def test_deleting_global_config_needs_a_vo(call, query):
    error(call("DELETE", "/config/global" + query), 400, "Missing VO name")


# --- links, shares, storages -------------------------------------------------------------


def test_links_are_created_read_and_deleted(call):
    reply = call(
        "POST",
        "/config/links",
        json={
            "symbolicname": "cern-ral",
            "source": "srm://cern",
            "destination": "srm://ral",
            "min_active": 5,
            "max_active": "50",
            "nostreams": 4,
        },
    )
    assert reply.status_code == 201
    assert reply.json() == {
        "source": "srm://cern",
        "destination": "srm://ral",
        "symbolicname": "cern-ral",
        "min_active": 5,
        "max_active": 50,
        "optimizer_mode": None,
        "tcp_buffer_size": None,
        "nostreams": 4,
        "no_delegation": False,
    }
    assert [link["symbolicname"] for link in call("GET", "/config/links").json()] == ["cern-ral"]
    assert call("GET", "/config/links/cern-ral").json()["max_active"] == 50
    assert call("DELETE", "/config/links/cern-ral").status_code == 204
    error(call("GET", "/config/links/cern-ral"), 404, "Link cern-ral does not exist")
    assert [r["action"] for r in call("GET", "/config/audit").json()] == ["link-delete", "link"]


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"source": "a"}, "Missing symbolicname"),
        (
            {"symbolicname": "x", "max_active": "lots"},
            "Active must be an integer (invalid literal for int() with base 10: 'lots')",
        ),
        (
            {"symbolicname": "x", "min_active": 9, "max_active": 3},
            "max_active is lower than min_active",
        ),
        ({"symbolicname": "x", "source": ""}, "Missing source and/or destination"),
    ],
)
def test_bad_links_are_refused(call, payload, message):
    error(call("POST", "/config/links", json=payload), 400, message)


def test_shares_are_set_listed_and_deleted(call):
    reply = call(
        "POST",
        "/config/shares",
        json={
            "source": "srm://cern.ch:8443/x",
            "destination": "gsiftp://ral.uk",
            "vo": "dteam",
            "share": "10",
        },
    )
    assert reply.status_code == 200 and reply.json() == 10
    assert call("GET", "/config/shares").json() == [
        {"source": "srm://cern.ch", "destination": "gsiftp://ral.uk", "vo": "dteam", "share": 10}
    ]
    assert (
        call(
            "DELETE",
            "/config/shares",
            params={"source": "srm://cern.ch", "destination": "gsiftp://ral.uk", "vo": "dteam"},
        ).status_code
        == 204
    )
    assert call("GET", "/config/shares").json() == []


@pytest.mark.parametrize(
    "payload, message",
    [
        (
            {"source": "srm://a", "destination": "srm://b", "vo": "d", "share": "x"},
            "Bad share value",
        ),
        (
            {"source": "srm://a", "destination": "srm://b", "vo": "d", "share": -1},
            "Bad share value",
        ),
        (
            {"source": "srm://a", "destination": "srm://b", "vo": "d", "share": 0},
            "Missing source, destination, vo and/or share",
        ),
        ({"source": "nohost", "destination": "srm://b", "vo": "d", "share": 1}, "Invalid source"),
        ({"source": "srm://a", "destination": "b", "vo": "d", "share": 1}, "Invalid source"),
    ],
)
def test_bad_shares_are_refused(call, payload, message):
    error(call("POST", "/config/shares", json=payload), 400, message)


def test_deleting_a_share_needs_its_key(call):
    error(
        call("DELETE", "/config/shares?source=srm://a"),
        400,
        "Missing source, destination and/or vo",
    )


def test_storage_config_with_operation_limits(call):
    config = {
        "srm://cern.ch": {
            "se_info": {
                "ipv6": 1,
                "outbound_max_active": 55,
                "inbound_max_throughput": 33,
                "se_metadata": "metadata",
            },
            "operations": {"dteam": {"staging": 11, "delete": 0}, "atlas": {"staging": 5}},
        }
    }
    reply = call("POST", "/config/se", json=config)
    assert reply.status_code == 200
    info, operations = reply.json()
    assert info["storage"] == "srm://cern.ch" and info["outbound_max_active"] == 55
    assert operations == config["srm://cern.ch"]["operations"]
    shown = call("GET", "/config/se", params={"se": "srm://cern.ch"}).json()["srm://cern.ch"]
    assert shown["se_info"]["ipv6"] == 1 and shown["se_info"]["tpc_support"] is None
    assert shown["operations"] == {"dteam": {"staging": 11}, "atlas": {"staging": 5}}
    assert [r["action"] for r in call("GET", "/config/audit").json()] == [
        "set-se-limits",
        "set-se-config",
    ]
    assert call("DELETE", "/config/se?se=srm://cern.ch").status_code == 204
    assert call("GET", "/config/se").json() == {}


@pytest.mark.parametrize(
    "config",
    [
        {" ": {"se_info": {"ipv6": 1}}},
        {"srm://a": "not an object"},
        {"srm://a": {"se_info": {"ipv6": 1}, "operations": {"dteam": "x"}}},
    ],
)
def test_malformed_storage_config_is_refused(call, config):
    error(call("POST", "/config/se", json=config), 400, "Malformed configuration")
    assert call("GET", "/config/se").json() == {}


def test_deleting_storage_config_needs_a_storage(call):
    error(call("DELETE", "/config/se"), 400, "Missing storage (se)")


def test_config_needs_the_config_level(fts_mock):
    fts_mock.identity = fts_mock.certificate_user(PLAIN_DN, ["/dteam/Role=NULL"])
    for method, path in [
        ("GET", "/config"),
        ("POST", "/config/links"),
        ("GET", "/config/audit"),
        ("DELETE", "/config/global"),
    ]:
        reply = requests.request(method, fts_mock.endpoint + path, json={}, timeout=5)
        assert reply.status_code == 403
        assert reply.json() == {"status": "403 Forbidden", "message": "Not enough permissions"}


# --- certificate-only routes -------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/config/authorize", "/config/activity_shares", "/config/cloud_storage"]
)
def test_token_users_need_a_certificate_for_these(call, path):
    error(call("GET", path), 403, "Certificate required")


@pytest.fixture
def admin(fts_mock):
    fts_mock.identity = fts_mock.certificate_user(ADMIN_DN, ["/dteam/Role=lcgadmin"])
    return lambda method, path, **kw: requests.request(
        method, fts_mock.endpoint + path, timeout=5, **kw
    )


def test_a_grant_really_changes_a_users_level(fts_mock, admin):
    assert admin(
        "POST", "/config/authorize", json={"dn": PLAIN_DN, "operation": "config"}
    ).json() == {"dn": PLAIN_DN, "operation": "config"}
    assert admin("GET", "/config/authorize").json() == [{"dn": PLAIN_DN, "operation": "config"}]
    fts_mock.identity = fts_mock.certificate_user(PLAIN_DN, ["/dteam/Role=NULL"])
    assert requests.get(fts_mock.endpoint + "/ban/se", timeout=5).status_code == 200
    fts_mock.identity = fts_mock.certificate_user(ADMIN_DN, ["/dteam/Role=lcgadmin"])
    assert admin("DELETE", "/config/authorize", params={"dn": PLAIN_DN}).status_code == 204
    fts_mock.identity = fts_mock.certificate_user(PLAIN_DN, ["/dteam/Role=NULL"])
    assert requests.get(fts_mock.endpoint + "/ban/se", timeout=5).status_code == 403


@pytest.mark.parametrize(
    "method, kwargs, message",
    [
        ("POST", {"json": {"dn": PLAIN_DN}}, "Missing dn and/or operation"),
        (
            "POST",
            {"json": {"dn": PLAIN_DN, "operation": "admin"}},
            "'admin' level can only be changed via database access",
        ),
        ("DELETE", {"params": {"operation": "config"}}, "Missing DN parameter"),
        (
            "DELETE",
            {"params": {"dn": PLAIN_DN, "operation": "admin"}},
            "'admin' level can only be changed via database access",
        ),
    ],
)
def test_bad_grants_are_refused(admin, method, kwargs, message):
    error(admin(method, "/config/authorize", **kwargs), 400, message)


def test_activity_shares_round_trip(admin):
    reply = admin(
        "POST", "/config/activity_shares", json={"vo": "dteam", "share": {"High": 80, "Low": 5.5}}
    )
    assert reply.status_code == 200
    assert reply.json() == {
        "vo": "dteam",
        "active": True,
        "activity_share": [{"High": 80}, {"Low": 5.5}],
    }
    assert admin("GET", "/config/activity_shares").json() == {
        "dteam": {"share": {"High": 80, "Low": 5.5}, "active": True}
    }
    assert admin("GET", "/config/activity_shares/dteam").json()["share"]["High"] == 80
    assert admin("DELETE", "/config/activity_shares/dteam").status_code == 204
    error(admin("DELETE", "/config/activity_shares/dteam"), 404, "No activity shares for dteam")
    error(admin("GET", "/config/activity_shares/dteam"), 404, "No activity shares for dteam")


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"share": {"A": 1}}, "Missing VO"),
        ({"vo": "dteam"}, "Missing share"),
        ({"vo": "dteam", "share": {"A": "1"}}, "Share weight must be a number"),
        (
            {"vo": "dteam", "share": [5]},
            "share is expected to be a single JSON object with activity names and respective weights",
        ),
    ],
)
def test_bad_activity_shares_are_refused(admin, payload, message):
    error(admin("POST", "/config/activity_shares", json=payload), 400, message)


def test_cloud_storages_and_their_users(admin):
    reply = admin("POST", "/config/cloud_storage", json={"storage_name": "S3:host", "app_key": "k"})
    assert reply.status_code == 201 and reply.json() == "S3:host"
    reply = admin(
        "POST",
        "/config/cloud_storage/S3:host",
        json={"vo_name": "dteam", "access_key": "1234", "secret_key": "abcd"},
    )
    assert reply.status_code == 201
    assert reply.json() == {"storage_name": "S3:host", "user_dn": "", "vo_name": "dteam"}
    [user] = admin("GET", "/config/cloud_storage/S3:host").json()
    assert (user["access_token"], user["access_token_secret"]) == ("1234", "abcd")
    [storage] = admin("GET", "/config/cloud_storage").json()
    assert storage["app_key"] == "k" and len(storage["users"]) == 1
    assert admin("DELETE", "/config/cloud_storage/S3:host/dteam").status_code == 204
    assert admin("GET", "/config/cloud_storage/S3:host").json() == []
    assert admin("DELETE", "/config/cloud_storage/S3:host").status_code == 204
    error(admin("GET", "/config/cloud_storage/S3:host"), 404, "The storage does not exist")


@pytest.mark.parametrize(
    "path, payload, status, message",
    [
        ("/config/cloud_storage", {"app_key": "k"}, 400, "Missing storage name"),
        ("/config/cloud_storage/S3:none", {"vo_name": "d"}, 404, "The storage does not exist"),
    ],
)
def test_bad_cloud_storage_requests_are_refused(admin, path, payload, status, message):
    error(admin("POST", path, json=payload), status, message)


@pytest.mark.parametrize(
    "payload, message",
    [
        ({}, "One of user_dn or vo_name must be specified"),
        ({"user_dn": "/CN=x", "vo_name": "d"}, "Only one of user_dn or vo_name must be specified"),
    ],
)
def test_a_cloud_user_is_a_dn_or_a_vo(admin, payload, message):
    admin("POST", "/config/cloud_storage", json={"storage_name": "S3:host"})
    error(admin("POST", "/config/cloud_storage/S3:host", json=payload), 400, message)
