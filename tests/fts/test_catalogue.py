"""Every real FTS3 route is served (naming the upstream function it plays) or explained,
and the double serves nothing the real server lacks but its own ``/_mock`` controls."""

from __future__ import annotations

import re

from mockfts import FtsDouble
from mockfts.api.app import ROUTES
from mockfts.catalogue import NOT_SERVED, coverage_markdown

# fts-rest-flask 3.13.4 (+1 commit), src/fts3rest/fts3rest/config/routing/base.py and
# cstorage.py: (method, rule, controller function). The trailing-slash twins of /jobs,
# /files and /archive are left out: the double's router ignores a trailing slash.
UPSTREAM = [
    ("GET", "/", "api.api_version"),
    ("GET", "/whoami", "delegation.whoami"),
    ("GET", "/whoami/certificate", "delegation.certificate"),
    ("GET", "/delegation/<dlg_id>", "delegation.view"),
    ("DELETE", "/delegation/<dlg_id>", "delegation.delete"),
    ("GET", "/delegation/<dlg_id>/request", "delegation.request"),
    ("PUT", "/delegation/<dlg_id>/credential", "delegation.credential"),
    ("POST", "/delegation/<dlg_id>/credential", "delegation.credential"),
    ("POST", "/delegation/<dlg_id>/voms", "delegation.voms"),
    ("GET", "/delegation", "delegation.delegation_page"),
    ("GET", "/jobs", "jobs.index"),
    ("GET", "/jobs/<job_list>", "jobs.get"),
    ("GET", "/jobs/<job_id>/files", "jobs.get_files"),
    ("DELETE", "/jobs/<job_id>/files/<file_ids>", "jobs.cancel_files"),
    ("POST", "/admin/force-start", "admin.force_start_files"),
    ("DELETE", "/jobs/vo/<vo_name>", "jobs.cancel_all_by_vo"),
    ("DELETE", "/jobs/all", "jobs.cancel_all"),
    ("GET", "/jobs/<job_id>/files/<file_id>/retries", "jobs.get_file_retries"),
    ("GET", "/jobs/<job_id>/dm", "jobs.get_dm"),
    ("GET", "/jobs/<job_id>/<field>", "jobs.get_field"),
    ("DELETE", "/jobs/<job_id_list>", "jobs.cancel"),
    ("POST", "/jobs/<job_id_list>", "jobs.modify"),
    ("PUT", "/jobs", "jobs.submit"),
    ("POST", "/jobs", "jobs.submit"),
    ("GET", "/files", "files.index"),
    ("GET", "/archive", "archive.index"),
    ("GET", "/archive/<job_id>", "archive.get"),
    ("GET", "/archive/<job_id>/<field>", "archive.get_field"),
    ("GET", "/api-docs/schema/submit", "api.submit_schema"),
    ("GET", "/api-docs", "api.api_docs"),
    ("GET", "/api-docs/<resource>", "api.resource_doc"),
    ("GET", "/config", "config.index"),
    ("POST", "/config/drain", "config.drain.set_drain"),
    ("GET", "/config/audit", "config.audit.audit"),
    ("POST", "/config/global", "config.global_.set_global_config"),
    ("GET", "/config/global", "config.global_.get_global_config"),
    ("DELETE", "/config/global", "config.global_.delete_vo_global_config"),
    ("POST", "/config/links", "config.links.set_link_config"),
    ("GET", "/config/links", "config.links.get_all_link_configs"),
    ("GET", "/config/links/<sym_name>", "config.links.get_link_config"),
    ("DELETE", "/config/links/<sym_name>", "config.links.delete_link_config"),
    ("POST", "/config/shares", "config.shares.set_share"),
    ("GET", "/config/shares", "config.shares.get_shares"),
    ("DELETE", "/config/shares", "config.shares.delete_share"),
    ("POST", "/config/se", "config.se.set_se_config"),
    ("GET", "/config/se", "config.se.get_se_config"),
    ("DELETE", "/config/se", "config.se.delete_se_config"),
    ("POST", "/config/authorize", "config.authz.add_authz"),
    ("GET", "/config/authorize", "config.authz.list_authz"),
    ("DELETE", "/config/authorize", "config.authz.remove_authz"),
    ("GET", "/config/activity_shares", "config.activities.get_activity_shares"),
    ("POST", "/config/activity_shares", "config.activities.set_activity_shares"),
    ("GET", "/config/activity_shares/<vo_name>", "config.activities.get_activity_shares_vo"),
    ("DELETE", "/config/activity_shares/<vo_name>", "config.activities.delete_activity_shares"),
    ("GET", "/config/cloud_storage", "config.cloud.get_cloud_storages"),
    ("POST", "/config/cloud_storage", "config.cloud.set_cloud_storage"),
    ("GET", "/config/cloud_storage/<storage_name>", "config.cloud.get_cloud_storage"),
    ("DELETE", "/config/cloud_storage/<storage_name>", "config.cloud.remove_cloud_storage"),
    ("POST", "/config/cloud_storage/<storage_name>", "config.cloud.add_user_to_cloud_storage"),
    (
        "DELETE",
        "/config/cloud_storage/<storage_name>/<id>",
        "config.cloud.remove_user_from_cloud_storage",
    ),
    ("GET", "/optimizer", "optimizer.is_enabled"),
    ("GET", "/optimizer/evolution", "optimizer.evolution"),
    ("GET", "/optimizer/current", "optimizer.get_optimizer_values"),
    ("POST", "/optimizer/current", "optimizer.set_optimizer_values"),
    ("GET", "/dm/list", "datamanagement.list"),
    ("GET", "/dm/stat", "datamanagement.stat"),
    ("POST", "/dm/mkdir", "datamanagement.mkdir"),
    ("POST", "/dm/unlink", "datamanagement.unlink"),
    ("POST", "/dm/rmdir", "datamanagement.rmdir"),
    ("POST", "/dm/rename", "datamanagement.rename"),
    ("POST", "/ban/se", "banning.ban_se"),
    ("DELETE", "/ban/se", "banning.unban_se"),
    ("GET", "/ban/se", "banning.list_banned_se"),
    ("POST", "/ban/dn", "banning.ban_dn"),
    ("DELETE", "/ban/dn", "banning.unban_dn"),
    ("GET", "/ban/dn", "banning.list_banned_dn"),
    ("GET", "/autocomplete/dn", "autocomplete.autocomplete_dn"),
    ("GET", "/autocomplete/source", "autocomplete.autocomplete_source"),
    ("GET", "/autocomplete/destination", "autocomplete.autocomplete_destination"),
    ("GET", "/autocomplete/storage", "autocomplete.autocomplete_storage"),
    ("GET", "/autocomplete/vo", "autocomplete.autocomplete_vo"),
    ("GET", "/status/hosts", "serverstatus.hosts_activity"),
    ("GET", "/cs/registered/<service>", "cloudStorage.is_registered"),
    ("GET", "/cs/access_request/<service>", "cloudStorage.is_access_requested"),
    ("DELETE", "/cs/access_grant/<service>", "cloudStorage.remove_token"),
    ("GET", "/cs/access_request/<service>/request", "cloudStorage.get_access_requested"),
    ("GET", "/cs/access_grant/<service>", "cloudStorage.get_access_granted"),
    ("GET", "/cs/remote_content/<service>", "cloudStorage.get_folder_content"),
    ("GET", "/cs/file_urllink/<service>/<path>", "cloudStorage.get_file_link"),
]
# Routes of the double that fts-rest-flask lacks: the legacy REST's /snapshot.
LEGACY = {("GET", "/snapshot")}


def _shape(rule: str) -> str:
    """A rule with its variables unnamed (``/jobs/<job_list>`` ~ ``/jobs/<int:x>``)."""
    return re.sub(r"<[^>]*>", "<>", rule)


def _served() -> dict[tuple[str, str], str]:
    """(method, rule shape) -> upstream name, from the route table."""
    return {
        (method, _shape(route.rule)): route.upstream for route in ROUTES for method in route.methods
    }


def _not_served() -> set[tuple[str, str]]:
    return {
        (method, _shape(path)) for methods, path, _ in NOT_SERVED for method in methods.split(", ")
    }


def test_every_real_route_is_served_as_upstream_names_it_or_explained():
    served, explained = _served(), _not_served()
    for method, rule, function in UPSTREAM:
        key = (method, _shape(rule))
        if key in explained:
            continue
        assert key in served, (method, rule)
        assert served[key] == function, (method, rule)


def test_the_double_serves_nothing_fts_lacks_but_its_controls():
    real = {(method, _shape(rule)) for method, rule, _ in UPSTREAM}
    for route in ROUTES:
        for method in route.methods:
            if route.rule.startswith("/_mock/"):
                assert not route.upstream, route.rule
            elif (method, route.rule) not in LEGACY:
                assert (method, _shape(route.rule)) in real, (method, route.rule)


def test_the_app_serves_exactly_the_route_table():
    app = FtsDouble(profile="legacy").app
    served = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    assert served == {(method, route.rule) for route in ROUTES for method in route.methods}


def test_the_coverage_table_has_a_row_per_route_and_per_route_left_out():
    table = coverage_markdown().splitlines()
    assert len(table) == 2 + len(ROUTES) + len(NOT_SERVED)
    assert "| GET | `/jobs/<job_ids>` | jobs.get |" in table
    assert "| POST | `/_mock/token` | double only |" in table
    assert any(
        row.startswith("| GET | `/cs/registered/<service>` | not implemented: ") for row in table
    )
