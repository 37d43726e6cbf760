"""The real FTS3 REST routes (fts-rest-flask 3.13.4, reference section 3) and how the
double covers them: the README's coverage table is generated from this and the app.

Each entry: methods, the path as the app spells it, and, for a route the double does
not serve, why not. A test keeps both lists honest: every served route is here, and
every route here is served unless it carries a reason.
"""

from __future__ import annotations

from flask import Flask

NOT_SERVED = "not served"

CATALOGUE: list[tuple[str, str, str | None]] = [
    ("GET", "/", None),
    ("GET", "/whoami", None),
    ("GET", "/whoami/certificate", None),
    ("GET", "/delegation", None),
    ("GET, DELETE", "/delegation/<dlg_id>", None),
    ("GET", "/delegation/<dlg_id>/request", None),
    ("PUT, POST", "/delegation/<dlg_id>/credential", None),
    ("POST", "/delegation/<dlg_id>/voms", None),
    ("GET, PUT, POST", "/jobs", None),
    ("GET, DELETE, POST", "/jobs/<job_ids>", None),
    ("GET", "/jobs/<job_id>/files", None),
    ("GET", "/jobs/<job_id>/files/<int:file_id>/retries", None),
    ("GET", "/jobs/<job_id>/dm", None),
    ("GET", "/jobs/<job_id>/<field>", None),
    ("DELETE", "/jobs/<job_id>/files/<file_ids>", None),
    ("DELETE", "/jobs/all", None),
    ("DELETE", "/jobs/vo/<vo_name>", None),
    ("GET", "/api-docs/schema/submit", None),
    ("GET", "/api-docs", None),
    ("GET", "/api-docs/<path:resource>", None),
    ("GET", "/files", None),
    ("GET", "/archive", None),
    ("GET", "/archive/<job_id>", None),
    ("GET", "/archive/<job_id>/<field>", None),
    ("GET, POST, DELETE", "/ban/se", None),
    ("GET, POST, DELETE", "/ban/dn", None),
    ("GET", "/optimizer", None),
    ("GET", "/optimizer/evolution", None),
    ("GET, POST", "/optimizer/current", None),
    ("GET", "/snapshot", None),  # removed in 2017 (FTS-792): legacy profile only
    ("GET", "/status/hosts", None),
    ("GET", "/config", None),
    ("POST", "/config/drain", None),
    ("GET", "/config/audit", None),
    ("GET, POST, DELETE", "/config/global", None),
    ("GET, POST", "/config/links", None),
    ("GET, DELETE", "/config/links/<sym_name>", None),
    ("GET, POST, DELETE", "/config/shares", None),
    ("GET, POST, DELETE", "/config/se", None),
    ("GET, POST, DELETE", "/config/authorize", None),
    ("GET, POST", "/config/activity_shares", None),
    ("GET, DELETE", "/config/activity_shares/<vo_name>", None),
    ("GET, POST", "/config/cloud_storage", None),
    ("GET, POST, DELETE", "/config/cloud_storage/<storage_name>", None),
    ("DELETE", "/config/cloud_storage/<storage_name>/<who>", None),
    ("GET", "/autocomplete/<any(dn, source, destination, storage, vo):what>", None),
    ("POST", "/admin/force-start", None),
    ("GET", "/dm/list", None),  # mock:// storage only (mockfts.model.datamanagement)
    ("GET", "/dm/stat", None),
    ("POST", "/dm/mkdir", None),
    ("POST", "/dm/unlink", None),
    ("POST", "/dm/rmdir", None),
    ("POST", "/dm/rename", None),
    ("GET, POST, DELETE", "/cs/...", "Dropbox/S3 credential dance for WebFTS: no FTS client "
                                     "uses it"),
    ("GET, POST, DELETE", "(3.14) token-provider configuration", "its URL is not in the "
                                                                  "sources read"),
]


def served_routes(app: Flask) -> dict[str, set[str]]:
    """Path -> methods the app answers (HEAD and OPTIONS left out, as Flask adds them)."""
    served: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        served.setdefault(rule.rule, set()).update(
            m for m in (rule.methods or ()) if m not in ("HEAD", "OPTIONS")
        )
    return served


def coverage_markdown(app: Flask) -> str:
    served = served_routes(app)
    lines = ["| Methods | Path | Double |", "|---|---|---|"]
    known = set()
    for methods, path, reason in CATALOGUE:
        known.add(path)
        status = f"not implemented: {reason}" if reason else (
            "yes" if path in served else "MISSING")
        lines.append(f"| {methods} | `{path}` | {status} |")
    for path in sorted(set(served) - known):
        methods = ", ".join(sorted(served[path]))
        note = "double only (`/_mock`)" if path.startswith("/_mock") else "yes"
        lines.append(f"| {methods} | `{path}` | {note} |")
    return "\n".join(lines)
