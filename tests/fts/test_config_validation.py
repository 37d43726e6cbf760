"""``/config/*`` validation as fts-rest-flask does it: per-field type checks of
``POST /config/se`` (``controllers/config/se.py``), the model's string column lengths
(``model/base.py: check_string_length``) and admin grants that the API cannot revoke
(``controllers/config/authz.py``)."""

from __future__ import annotations

import pytest
import requests

from mockfts import FtsDouble
from mockfts.model import columns

ADMIN_DN = "/DC=org/CN=Admin"
SITE_ADMIN_DN = "/DC=org/CN=Site Admin"
SE = "srm://se.example"


@pytest.fixture
def call(fts):
    headers = {"Authorization": f"Bearer {fts.token_for('alice', vo='dteam')}"}
    return lambda method, path, **kw: requests.request(
        method, fts.endpoint + path, headers=headers, timeout=5, **kw
    )


@pytest.fixture
def admin(fts_mock):
    """A certificate user with the ``config`` level (the certificate-only routes)."""
    fts_mock.identity = fts_mock.certificate_user(ADMIN_DN, ["/dteam/Role=lcgadmin"])
    return lambda method, path, **kw: requests.request(
        method, fts_mock.endpoint + path, timeout=5, **kw
    )


def error(reply, status, message):
    assert (reply.status_code, reply.json()["message"]) == (status, message)


def actions(call):
    return [row["action"] for row in call("GET", "/config/audit").json()]


# --- POST /config/se ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("ipv6", "yes", "int"),
        ("udt", [1], "int"),
        ("debug_level", 1.5, "int"),
        ("eviction", "x", "int"),
        ("skip_eviction", {}, "int"),
        ("inbound_max_active", "many", "int"),
        ("outbound_max_active", "1.5", "int"),
        ("overwrite_disk_enabled", "on", "int"),
        ("inbound_max_throughput", "1.5", "Number"),  # the real cast is Number("1.5")
        ("outbound_max_throughput", [1], "Number"),
        ("site", 5, "str"),
        ("se_metadata", ["m"], "str"),
    ],
)
def test_each_se_info_field_is_type_checked_by_name(call, key, value, expected):
    reply = call("POST", "/config/se", json={SE: {"se_info": {key: value}}})
    error(reply, 400, f"Field {key} is expected to be {expected}")
    assert call("GET", "/config/se").json() == {} and actions(call) == []


def test_an_unknown_se_info_field_is_named(call):
    # the model attribute is se_metadata; its DB column name is not a field
    error(
        call("POST", "/config/se", json={SE: {"se_info": {"metadata": "m"}}}),
        400,
        "Field metadata unknown",
    )


def test_tpc_support_must_be_a_known_mode(call):
    error(
        call("POST", "/config/se", json={SE: {"se_info": {"tpc_support": "SIDEWAYS"}}}),
        400,
        "Field tpc_support is expected to be one of the following: FULL, PULL, PUSH, NONE",
    )


@pytest.mark.parametrize("limit", ["invalid", 2.5, None, [3]])
def test_an_operation_limit_must_be_an_integer(call, limit):
    reply = call("POST", "/config/se", json={SE: {"operations": {"dteam": {"staging": limit}}}})
    error(reply, 400, "Field concurrent_ops is expected to be int")
    assert call("GET", "/config/se").json() == {}


def test_operation_limits_apply_without_se_info(call):
    reply = call("POST", "/config/se", json={SE: {"operations": {"dteam": {"staging": "7"}}}})
    assert reply.json() == [None, {"dteam": {"staging": "7"}}]
    assert call("GET", "/config/se").json() == {SE: {"operations": {"dteam": {"staging": 7}}}}
    assert actions(call) == ["set-se-limits"]


def test_an_empty_se_info_is_skipped_as_the_real_set_se_config_does(call):
    """``if se_info_new:`` in ``controllers/config/se.py``: ``{}`` is falsy, so no storage
    row and no audit row (the issue expected one; the real code decides)."""
    reply = call("POST", "/config/se", json={SE: {"se_info": {}}})
    assert reply.status_code == 200 and reply.json() == [None, None]
    assert call("GET", "/config/se").json() == {}
    assert call("GET", "/config/audit").json() == []


def test_null_se_info_fields_are_skipped(call):
    assert call("POST", "/config/se", json={SE: {"se_info": {"unknown": None}}}).status_code == 200


def test_the_answer_is_the_last_storage_s(call):
    body = {SE: {"se_info": {"ipv6": 1}}, "srm://other": {"operations": {"d": {"staging": 1}}}}
    assert call("POST", "/config/se", json=body).json() == [None, {"d": {"staging": 1}}]


@pytest.mark.parametrize(
    "config",
    [
        {"s" * 151: {"se_info": {"ipv6": 1}}},  # t_se.storage 150
        {SE: {"se_info": {"site": "s" * 46}}},  # t_se.site 45
        {SE: {"se_info": {"se_metadata": "m" * 256}}},
        {SE: {"operations": {"v" * 256: {"staging": 1}}}},  # t_stage_req.vo_name 255
        {SE: {"operations": {"dteam": {"o" * 151: 1}}}},  # t_stage_req.operation 150
        {SE: {"se_info": {"site": "cern"}, "pad": "x" * 4000}},  # the audit row, 4000
    ],
)
def test_overlong_storage_values_are_malformed_configuration(call, config):
    error(call("POST", "/config/se", json=config), 400, "Malformed configuration")
    assert call("GET", "/config/se").json() == {} and actions(call) == []


def test_a_non_positive_limit_is_not_a_row_so_its_length_is_not_checked(call):
    body = {SE: {"operations": {"v" * 300: {"staging": 0}}}}
    assert call("POST", "/config/se", json=body).status_code == 200


@pytest.mark.parametrize("name", ["3.14", "3.13", "legacy"])
def test_get_se_shows_the_generation_s_attributes(name):
    double = FtsDouble(profile=name)
    identity = double.certificate_user(ADMIN_DN, ["/dteam/Role=lcgadmin"])
    double.state.ops.config.set_storages(identity, {SE: {"se_info": {"ipv6": 1}}})
    shown = double.state.ops.config.storage_config()[SE]["se_info"]
    assert ("eviction" in shown) == (name == "legacy")
    assert ("tpc_support" in shown) == (name != "legacy")


# --- string column lengths ---------------------------------------------------------------


def test_the_column_check_measures_json_columns_as_json():
    columns.check("t_activity_share_config", "activity_share", [{"a": 1}])
    with pytest.raises(ValueError, match="^Length 1033 exceeds allowed 1024$"):
        columns.check("t_activity_share_config", "activity_share", [{"a" * 1024: 1}])
    columns.check("t_authz_dn", "dn", None)  # an empty value is never too long


def test_an_overlong_activity_share_is_refused_with_the_length(admin):
    shares = {f"activity-{i:03}": i for i in range(60)}  # 60 entries
    reply = admin("POST", "/config/activity_shares", json={"vo": "dteam", "share": shares})
    error(reply, 400, "Length 1310 exceeds allowed 1024")
    assert admin("GET", "/config/activity_shares").json() == {}


def test_an_overlong_activity_share_vo_is_refused(admin):
    reply = admin("POST", "/config/activity_shares", json={"vo": "v" * 101, "share": {"A": 1}})
    error(reply, 400, "Length 101 exceeds allowed 100")


# Where the real server lets the ValueError escape as a 500, the double answers 400
# with its text (README, deliberate differences).
@pytest.mark.parametrize(
    "path, body, message",
    [
        ("/config/global", {"vo_name": "v" * 101}, "Length 101 exceeds allowed 100"),
        (
            "/config/links",
            {"symbolicname": "s" * 256, "source": "a", "destination": "b"},
            "Length 256 exceeds allowed 255",
        ),
        (
            "/config/links",
            {"symbolicname": "l", "source": "s" * 151, "destination": "b"},
            "Length 151 exceeds allowed 150",
        ),
        (
            "/config/shares",
            {"source": "srm://a", "destination": "srm://b", "vo": "v" * 101, "share": 5},
            "Length 101 exceeds allowed 100",
        ),
        (
            "/config/shares",
            {"source": f"srm://{'h' * 150}", "destination": "srm://b", "vo": "d", "share": 5},
            "Length 156 exceeds allowed 150",
        ),
    ],
)
def test_overlong_config_values_are_refused_with_the_length(call, path, body, message):
    error(call("POST", path, json=body), 400, message)
    assert actions(call) == []


def test_an_overlong_audit_row_refuses_the_activity_share(admin):
    # the audit text is the whole body, unknown keys included
    body = {"vo": "dteam", "share": {"A": 1}, "note": "x" * 4000}
    error(
        admin("POST", "/config/activity_shares", json=body), 400, "Length 4064 exceeds allowed 4000"
    )
    assert admin("GET", "/config/activity_shares").json() == {} and actions(admin) == []


@pytest.mark.parametrize(
    "body, message",
    [
        ({"symbolicname": "l", "pad": 1}, "Field pad unknown"),
        (
            {"symbolicname": "l", "optimizer_mode": "fast"},
            "Field optimizer_mode is expected to be int",
        ),
        ({"symbolicname": "l", "min_active": 1.5}, "Field min_active is expected to be int"),
    ],
)
def test_every_link_field_is_checked_by_name(call, body, message):
    error(call("POST", "/config/links", json=body), 400, message)
    assert call("GET", "/config/links").json() == []


@pytest.mark.parametrize(
    "method, kwargs, message",
    [
        ("POST", {"json": {"dn": "d" * 256, "operation": "config"}}, "255"),
        ("POST", {"json": {"dn": "/CN=x", "operation": "o" * 65}}, "64"),
        ("DELETE", {"params": {"dn": "d" * 4000}}, "4000"),  # the audit row
    ],
)
def test_overlong_grants_are_refused(admin, method, kwargs, message):
    reply = admin(method, "/config/authorize", **kwargs)
    assert reply.status_code == 400 and reply.json()["message"].endswith(f"allowed {message}")
    assert admin("GET", "/config/authorize").json() == []


@pytest.mark.parametrize(
    "path, body, message",
    [
        ("/config/cloud_storage", {"storage_name": "S" * 151}, "Length 151 exceeds allowed 150"),
        (
            "/config/cloud_storage",
            {"storage_name": "S3:h", "service_api_url": "u" * 1025},
            "Length 1025 exceeds allowed 1024",
        ),
        (
            "/config/cloud_storage/S3:host",
            {"vo_name": "dteam", "access_key": "k" * 256},
            "Length 256 exceeds allowed 255",
        ),
        (
            "/config/cloud_storage/S3:host",
            {"user_dn": "/CN=" + "x" * 700},
            "Length 704 exceeds allowed 700",
        ),
    ],
)
def test_overlong_cloud_storage_values_are_refused(admin, path, body, message):
    admin("POST", "/config/cloud_storage", json={"storage_name": "S3:host"})
    error(admin("POST", path, json=body), 400, message)
    assert [s["storage_name"] for s in admin("GET", "/config/cloud_storage").json()] == ["S3:host"]
    assert admin("GET", "/config/cloud_storage/S3:host").json() == []


@pytest.mark.parametrize(
    "path, body, message",
    [
        ("/ban/se", {"storage": "mock://" + "s" * 250}, "Length 257 exceeds allowed 256"),
        (
            "/ban/se",
            {"storage": "mock://s", "message": "m" * 257},
            "Length 257 exceeds allowed 256",
        ),
        ("/ban/dn", {"user_dn": "/CN=" + "x" * 253}, "Length 257 exceeds allowed 256"),
    ],
)
def test_overlong_bans_are_refused(call, path, body, message):
    error(call("POST", path, json=body), 400, message)
    assert call("GET", path).json() == [] and actions(call) == []


# --- admin grants ------------------------------------------------------------------------


def test_revoking_everything_keeps_the_admin_grant(fts_mock, admin):
    fts_mock.state.ops.config.grant_admin(SITE_ADMIN_DN)
    admin("POST", "/config/authorize", json={"dn": SITE_ADMIN_DN, "operation": "deleg"})
    assert admin("GET", "/config/authorize", params={"dn": SITE_ADMIN_DN}).json() == [
        {"dn": SITE_ADMIN_DN, "operation": "admin"},
        {"dn": SITE_ADMIN_DN, "operation": "deleg"},
    ]
    assert admin("DELETE", "/config/authorize", params={"dn": SITE_ADMIN_DN}).status_code == 204
    assert admin("GET", "/config/authorize").json() == [{"dn": SITE_ADMIN_DN, "operation": "admin"}]
    assert actions(admin)[0] == "revoke"
    # the grant still works: admin "all" brings config "all"
    fts_mock.identity = fts_mock.certificate_user(SITE_ADMIN_DN, ["/dteam/Role=NULL"])
    assert requests.get(fts_mock.endpoint + "/config/audit", timeout=5).status_code == 200


def test_revoking_another_operation_keeps_the_admin_grant(fts_mock, admin):
    fts_mock.state.ops.config.grant_admin(SITE_ADMIN_DN)
    reply = admin("DELETE", "/config/authorize", params={"dn": SITE_ADMIN_DN, "operation": "deleg"})
    assert reply.status_code == 204
    assert admin("GET", "/config/authorize").json() == [{"dn": SITE_ADMIN_DN, "operation": "admin"}]


def test_an_admin_grant_cannot_be_revoked_by_name(fts_mock, admin):
    fts_mock.state.ops.config.grant_admin(SITE_ADMIN_DN)
    reply = admin("DELETE", "/config/authorize", params={"dn": SITE_ADMIN_DN, "operation": "admin"})
    error(reply, 400, "'admin' level can only be changed via database access")
    assert len(admin("GET", "/config/authorize").json()) == 1


def test_an_overlong_optimizer_pair_is_refused(call):
    body = {"source_se": "mock://" + "s" * 144, "dest_se": "mock://d"}
    error(call("POST", "/optimizer/current", json=body), 400, "Length 151 exceeds allowed 150")
    assert call("GET", "/optimizer/current").json() == []
