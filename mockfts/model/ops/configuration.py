"""Server configuration tables (``/config/*``), with their audit trail.

Facts read in fts-rest-flask 3.13.4 (``controllers/config/*.py``, ``model/config.py``):

* ``t_server_config`` rows per VO (``*`` = every VO): ``retry``, ``max_time_queue``,
  ``global_timeout``, ``sec_per_mb`` (integers), ``vo_name``, ``no_streaming``,
  ``show_user_dn`` (on/off flags, JSON booleans). Without a ``*`` row the server shows
  ``"*": {}`` (an empty ORM object). Values are type-checked per column: a string is
  cast (``"true"/"yes"/"on"`` for flags), any other wrong type is refused.
* Links are keyed by ``symbolicname``; ``min_active``/``max_active`` default to 2.
* Shares: ``source``/``destination`` reduced to ``scheme://host``; the share must be a
  positive integer (the server's own "cannot be negative" message is swallowed by its
  ``except`` and ``Bad share value`` comes out instead; 0 reads as missing).
* Storage config: ``se_info`` columns plus per-VO operation limits; a limit <= 0
  deletes it. A blank storage name, or a non-object entry, is ``Malformed
  configuration``; a wrong type names the field (``Field ipv6 is expected to be
  int``, ``Field concurrent_ops ...``). ``tpc_support`` must be FULL, PULL, PUSH or
  NONE (``config/se.py``).
* Grants (``t_authz_dn``): each gives level ``all`` for one operation to a DN, on top of
  the role levels; ``admin`` cannot be granted or revoked through the API, only seeded
  (:meth:`Configuration.grant_admin`, the database's part).
* String columns keep their declared lengths (:mod:`mockfts.model.columns`). Storage
  config answers an overflow ``Malformed configuration`` and activity shares
  ``Length N exceeds allowed M``, as the real controllers do; links, shares, global
  config, grants and cloud storages answer that 400 too where the real server lets
  the ``ValueError`` escape as a 500. A refused request changes nothing and writes
  no audit row.
* Audit rows ``{datetime, dn, config, action}`` are written where the real controllers
  write them: ban/unban, drain, global set, link set/delete, share set/delete, se
  set (config and limits), authorize/revoke, activity share set/delete. The real server
  does not audit ``DELETE /config/global``, ``DELETE /config/se`` nor cloud storage
  changes, and neither does the double.

The daemon reads ``retry`` of the global configuration (per-VO default retries, FTS3
``MySqlAPI::getRetry``); its scheduler reads link and storage limits, VO shares and
activity shares (:meth:`Configuration.vo_weights`, :meth:`Configuration.activity_weights`).
Drain is stored and shown but does not change the double's scheduling.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from numbers import Number
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from mockcore.locking import locked, settled
from mockfts import errors
from mockfts.model import columns
from mockfts.model.identity import ADMIN, ALL, CONFIG, Identity

if TYPE_CHECKING:
    from mockfts.model.store import FtsState

HOST_SERVICES = ("fts_server", "fts_bringonline")

# t_server_config columns and the Python type the server checks them against.
GLOBAL_COLUMNS: dict[str, type] = {
    "retry": int,
    "max_time_queue": int,
    "global_timeout": int,
    "sec_per_mb": int,
    "vo_name": str,
    "no_streaming": bool,
    "show_user_dn": bool,
}
# t_link_config attributes and their checked types (``no_delegation`` is a Flag).
LINK_COLUMNS: dict[str, type] = {
    "source": str,
    "destination": str,
    "symbolicname": str,
    **dict.fromkeys(
        ("min_active", "max_active", "optimizer_mode", "tcp_buffer_size", "nostreams"), int
    ),
    "no_delegation": bool,
}
SE_INFO_COLUMNS: dict[str, type] = {
    "inbound_max_active": int,
    "inbound_max_throughput": float,
    "outbound_max_active": int,
    "outbound_max_throughput": float,
    "udt": int,
    "ipv6": int,
    "se_metadata": str,
    "site": str,
    "debug_level": int,
    "eviction": int,
    "skip_eviction": int,
    "tpc_support": str,
    "overwrite_disk_enabled": int,
}
TPC_MODES = frozenset({"FULL", "PULL", "PUSH", "NONE"})


@dataclass
class AuditRow:
    datetime: float
    dn: str
    config: str
    action: str


@dataclass
class Host:
    hostname: str
    service_name: str
    beat: float
    drain: bool = False


@dataclass
class Link:
    source: str
    destination: str
    symbolicname: str
    min_active: int | None = 2
    max_active: int | None = 2
    optimizer_mode: int | None = None
    tcp_buffer_size: int | None = None
    nostreams: int | None = None
    no_delegation: bool = False


@dataclass
class CloudStorage:
    storage_name: str
    app_key: str | None = None
    app_secret: str | None = None
    service_api_url: str | None = None
    users: dict[tuple[str, str], dict] = field(default_factory=dict)  # (user_dn, vo) -> row


def _cast(key: str, value: Any, expected: type) -> Any:
    """The server's per-column check (``controllers/config/__init__.py: validate_type``):
    right type, or a string it can cast. A string never casts to a ``Float`` column:
    the real cast is ``numbers.Number(value)``, which always fails."""
    if expected is bool and isinstance(value, bool):
        return value
    if expected is int and isinstance(value, int):  # bool is an int for Python too
        return value
    if expected is float and isinstance(value, Number):  # JSON true is a Number too
        return value
    if expected is str and isinstance(value, str):
        return value
    if isinstance(value, str) and expected is not float:
        if expected is bool:
            return value.lower() in ("true", "yes", "on")
        try:
            return expected(value)
        except ValueError:
            pass
    shown = "Number" if expected is float else expected.__name__
    raise errors.WrongConfigType(key=key, type=shown)


def _storage(url: Any) -> str:
    parsed = urlparse(url) if isinstance(url, str) else None
    if parsed is None or not parsed.scheme or not parsed.hostname:
        raise errors.InvalidShareStorage()
    return f"{parsed.scheme}://{parsed.hostname}"


class Configuration:
    def __init__(self, state: FtsState) -> None:
        self.state = state
        self.audit_rows: list[AuditRow] = []
        self.drained: dict[tuple[str, str], bool] = {}
        self.globals: dict[str, dict[str, Any]] = {}
        self.links: dict[str, Link] = {}  # by symbolic name
        self.shares: dict[tuple[str, str, str], int] = {}
        self.storages: dict[str, dict[str, Any]] = {}
        self.operation_limits: dict[tuple[str, str, str], int] = {}  # (vo, storage, op)
        self.grants: dict[str, set[str]] = {}  # DN -> operations granted "all"
        self.activity_shares: dict[str, dict[str, Any]] = {}
        self.cloud: dict[str, CloudStorage] = {}

    # --- audit -------------------------------------------------------------------------

    def audit(self, identity: Identity, action: str, config: str) -> None:
        """Append an audit row; call it before changing anything, since an overlong row
        refuses the whole request (``controllers/config/__init__.py:
        audit_configuration`` builds ``ConfigAudit`` outside its ``try``)."""
        self.audit_rows.append(self._audit_row(identity, action, config))

    def _audit_row(self, identity: Identity, action: str, config: str) -> AuditRow:
        columns.fits("t_config_audit", {"dn": identity.user_dn, "config": config, "action": action})
        return AuditRow(self.state.clock.time(), identity.user_dn, config, action)

    @locked
    def recent_audit(self, limit: int = 100) -> list[AuditRow]:
        return list(reversed(self.audit_rows[-limit:]))

    # --- hosts and drain ---------------------------------------------------------------

    @settled
    def hosts(self) -> list[Host]:
        """The daemon's hosts, each beating every minute (ordered by host, service)."""
        now = self.state.clock.time()
        beat = now - now % 60
        return [
            Host(name, service, beat, self.drained.get((name, service), False))
            for name in sorted(self.state.daemon.settings.transfer_hosts)
            for service in HOST_SERVICES
        ]

    @locked
    def set_drain(self, identity: Identity, body: dict) -> None:
        hostname, drain = body.get("hostname"), body.get("drain", True)
        if not isinstance(drain, bool) or not isinstance(hostname, str):
            raise errors.InvalidDrain()
        if hostname not in self.state.daemon.settings.transfer_hosts:
            raise errors.HostNotFound()
        self.audit(identity, "drain", f"Turning drain {drain} the drain mode for {hostname}")
        for service in HOST_SERVICES:
            self.drained[(hostname, service)] = drain

    # --- global configuration ----------------------------------------------------------

    @locked
    def global_config(self) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = {"*": {}}
        for vo, row in self.globals.items():
            result[vo] = dict(row)
        return result

    @locked
    def set_global(self, identity: Identity, body: dict) -> dict[str, dict[str, Any]]:
        vo = _text(body.get("vo_name", "*"), "vo_name")
        row = dict(
            self.globals.get(vo)
            or {
                "retry": 0,
                "max_time_queue": 0,
                "global_timeout": 0,
                "sec_per_mb": 0,
                "vo_name": vo,
                "no_streaming": False,
                "show_user_dn": False,
            }
        )
        columns.fits("t_server_config", {"vo_name": vo})
        for key, value in body.items():
            if key not in GLOBAL_COLUMNS:
                raise errors.UnknownConfigField(key=key)
            row[key] = _cast(key, value, GLOBAL_COLUMNS[key])
            columns.fits("t_server_config", {key: row[key]})
        vo = row["vo_name"]
        self.audit(identity, "set-globals", json.dumps(row))
        self.globals[vo] = row
        self._retry_to_daemon(vo, row["retry"])
        return self.global_config()

    @locked
    def delete_global(self, vo: str | None) -> None:
        if not vo or vo == "*":
            raise errors.MissingVoName()
        self.globals.pop(vo, None)
        self.state.daemon.settings.vo_retry.pop(vo, None)

    def max_time_queue(self, vo: str) -> int:
        """Hours a job of ``vo`` may stay queued (the VO's row, else ``*``; 0 = no limit)."""
        row = self.globals.get(vo) or self.globals.get("*") or {}
        return int(row.get("max_time_queue") or 0)

    def _retry_to_daemon(self, vo: str, retry: Any) -> None:
        """``retry`` of the global configuration is the daemon's per-VO default (6.6)."""
        self.state.daemon.settings.vo_retry[vo] = int(retry or 0)

    # --- links -------------------------------------------------------------------------

    @locked
    def set_link(self, identity: Identity, body: dict) -> Link:
        source = _text(body.get("source", "*"), "source")
        destination = _text(body.get("destination", "*"), "destination")
        name = _text(body.get("symbolicname"), "symbolicname")
        if not name:
            raise errors.MissingSymbolicName()
        try:
            min_active = int(body.get("min_active", 2))
            max_active = int(body.get("max_active", 2))
        except (TypeError, ValueError) as exc:
            raise errors.ActiveNotInteger(detail=str(exc)) from None
        if not source or not destination:
            raise errors.MissingPair()
        if min_active > max_active:
            raise errors.MaxBelowMin()
        existing = self.links.get(name)
        if existing is None:
            columns.fits("t_link_config", {"source": source, "destination": destination})
            columns.fits("t_link_config", {"symbolicname": name})
        # a copy: a refused request leaves the stored link as it was (the real rollback)
        link = (
            replace(existing)
            if existing
            else Link(source, destination, name, min_active, max_active)
        )
        for key, value in body.items():  # ``config/links.py``: validate_type, then setattr
            if key not in LINK_COLUMNS:
                raise errors.UnknownConfigField(key=key)
            value = _cast(key, value, LINK_COLUMNS[key])
            columns.fits("t_link_config", {key: value})
            setattr(link, key, value)
        self.audit(identity, "link", json.dumps(body))
        self.links.pop(name, None)
        self.links[link.symbolicname] = link
        self._limits_changed()
        return link

    @locked
    def link(self, name: str) -> Link:
        try:
            return self.links[name]
        except KeyError:
            raise errors.LinkNotFound(name=name) from None

    @locked
    def all_links(self) -> list[Link]:
        return list(self.links.values())

    @locked
    def delete_link(self, identity: Identity, name: str) -> None:
        self.audit(identity, "link-delete", f"Link {name} has been deleted")
        self.links.pop(name, None)
        self._limits_changed()

    def link_limit(self, source: str, destination: str) -> int | None:
        """``max_active`` of the most specific configured link for a pair (``*`` wildcards)."""
        by_pair = {(link.source, link.destination): link for link in self.links.values()}
        for pair in ((source, destination), (source, "*"), ("*", destination), ("*", "*")):
            if pair in by_pair:
                return by_pair[pair].max_active
        return None

    def storage_limit(self, storage: str, direction: str) -> int | None:
        """``inbound_max_active``/``outbound_max_active`` of a configured storage."""
        row = self.storages.get(storage) or {}
        limit = row.get(f"{direction}_max_active")
        return int(limit) if limit else None

    # --- shares ------------------------------------------------------------------------

    @locked
    def set_share(self, identity: Identity, body: dict) -> int:
        try:
            share = int(body.get("share"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise errors.BadShareValue() from None
        if share < 0:
            raise errors.BadShareValue()
        source = _text(body.get("source"), "source")
        destination = _text(body.get("destination"), "destination")
        vo = _text(body.get("vo"), "vo")
        if not source or not destination or not vo or not share:
            raise errors.MissingShareFields()
        source, destination = _storage(source), _storage(destination)
        columns.fits("t_share_config", {"source": source, "destination": destination, "vo": vo})
        self.audit(
            identity, "share-set", f"Share {source}, {destination}, {vo} has been set to {share}"
        )
        self.shares[(source, destination, vo)] = share
        return share

    @locked
    def all_shares(self) -> list[dict]:
        return [
            {"source": s, "destination": d, "vo": vo, "share": share}
            for (s, d, vo), share in self.shares.items()
        ]

    @locked
    def delete_share(
        self, identity: Identity, source: str | None, destination: str | None, vo: str | None
    ) -> None:
        if not source or not destination or not vo:
            raise errors.MissingShareKey()
        if (source, destination, vo) in self.shares:
            self.audit(
                identity, "share-delete", f"Share {source}, {destination}, {vo} has been deleted"
            )
            del self.shares[(source, destination, vo)]

    # --- shares as the scheduler reads them ------------------------------------------

    def vo_weights(self, source: str, destination: str, vos: list[str]) -> dict[str, float]:
        """The weight of each of ``vos`` queued on a link (fts3 ``VoShares.cpp``): with no
        share rows for the link (exact source and destination) every VO weighs 1;
        otherwise a configured VO its ``share``, and the others split the ``public``
        row's share equally (0 without one)."""
        rows = {
            vo: share
            for (s, d, vo), share in self.shares.items()
            if (s, d) == (source, destination)
        }
        if not rows:
            return dict.fromkeys(vos, 1.0)
        absent = [vo for vo in vos if vo not in rows]
        public = rows.get("public", 0) / len(absent) if absent else 0.0
        return {vo: float(rows[vo]) if vo in rows else public for vo in vos}

    def unschedulable(self, source: str, destination: str, vo: str) -> bool:
        """A VO with no positive weight on a link that has shares: the scheduler fails its
        files (``TransfersService::executeUrlCopy`` → ``failUnschedulable``)."""
        return bool(self.shares) and self.vo_weights(source, destination, [vo])[vo] <= 0

    def activity_weights(self, vo: str) -> dict[str, float] | None:
        """The VO's activity shares when active (``getActivityShareConf`` reads rows with
        ``active = 'on'`` only), names lower-cased; None when there are none."""
        row = self.activity_shares.get(vo)
        if row is None or not row["active"]:
            return None
        weights: dict[str, float] = {}
        for entry in row["activity_share"]:
            for name, weight in entry.items():
                weights[str(name).lower()] = float(weight)
        return weights

    # --- storages ----------------------------------------------------------------------

    @locked
    def set_storages(self, identity: Identity, body: dict) -> list:
        """``controllers/config/se.py: set_se_config``. Every entry is checked before
        any is applied (the real commit is atomic); the answer is the last entry's
        ``[se_info, operations]``."""
        plan = [self._storage_plan(identity, storage, cfg) for storage, cfg in body.items()]
        shown: list = [None, None]
        for storage, info, limits, audits, operations in plan:
            if info is not None:
                row = self.storages.setdefault(storage, dict.fromkeys(SE_INFO_COLUMNS))
                row.update(info)
            for vo, op, limit in limits:
                if limit > 0:
                    self.operation_limits[(vo, storage, op)] = limit
                else:
                    self.operation_limits.pop((vo, storage, op), None)
            self.audit_rows.extend(audits)
            shown = [None if info is None else {"storage": storage, **row}, operations]
        self._limits_changed()
        return shown

    def _storage_plan(self, identity: Identity, storage: Any, cfg: Any) -> tuple:
        """One storage of ``set_se_config``, checked in the real order: the ``se_info``
        columns (``validate_type``, then ``tpc_support``, then the length hook), its
        audit row, then each operation limit (``vo_name``, ``operation``,
        ``concurrent_ops``) and the limits' audit row. The server's ``ValueError`` and
        ``AttributeError`` (a blank storage, a non-object, an overlong value or audit
        row) are ``Malformed configuration``; its type errors name the field.

        ``se_info`` is applied only when truthy (``if se_info_new:``), so ``{}`` creates
        no row and writes no audit row; ``operations`` whether or not ``se_info`` is
        given. The real code wins over issue 13's text here, which expected an audit
        row for ``{}`` (fts-rest-flask ``src/fts3rest/fts3rest/controllers/config/se.py``
        at a8b4983)."""
        try:
            if not storage or storage.isspace() or not isinstance(cfg, dict):
                raise errors.MalformedConfiguration()
            info, audits = None, []
            given = cfg.get("se_info")
            if given:
                if not isinstance(given, dict):
                    raise errors.MalformedConfiguration()
                if storage not in self.storages:
                    columns.fits("t_se", {"storage": storage})
                info = {}
                for key, value in given.items():
                    if value is None:
                        continue
                    if key not in SE_INFO_COLUMNS:
                        raise errors.UnknownConfigField(key=key)
                    value = _cast(key, value, SE_INFO_COLUMNS[key])
                    if key == "tpc_support" and value not in TPC_MODES:
                        raise errors.BadTpcSupport()
                    columns.fits("t_se", {key: value})
                    info[key] = value
                text = f"Set config {storage}: {json.dumps(cfg)}"
                audits.append(self._audit_row(identity, "set-se-config", text))
            operations = cfg.get("operations")
            limits = []
            if operations:
                if not isinstance(operations, dict):
                    raise errors.MalformedConfiguration()
                for vo, per_op in operations.items():
                    if not isinstance(per_op, dict):
                        raise errors.MalformedConfiguration()
                    for op, limit in per_op.items():
                        limit = int(_cast("concurrent_ops", limit, int))
                        if limit > 0:
                            row = {"vo_name": vo, "host": storage, "operation": op}
                            columns.fits("t_stage_req", row)
                        limits.append((vo, op, limit))
                text = f"Set limits for {storage}: {json.dumps(operations)}"
                audits.append(self._audit_row(identity, "set-se-limits", text))
        except errors.ColumnTooLong:
            raise errors.MalformedConfiguration() from None
        return storage, info, limits, audits, operations

    @locked
    def storage_config(self, storage: str | None = None) -> dict[str, dict]:
        result: dict[str, dict] = {}
        for name, row in self.storages.items():
            if storage and name != storage:
                continue
            shown = self.state.profile.se_info_shown
            result[name] = {"se_info": {key: row[key] for key in shown}}
        for (vo, name, op), limit in self.operation_limits.items():
            if storage and name != storage:
                continue
            per_vo = result.setdefault(name, {}).setdefault("operations", {})
            per_vo.setdefault(vo, {})[op] = limit
        return result

    @locked
    def delete_storage(self, storage: str | None) -> None:
        if not storage:
            raise errors.MissingSeParameter()
        self.storages.pop(storage, None)
        for key in [k for k in self.operation_limits if k[1] == storage]:
            del self.operation_limits[key]
        self._limits_changed()

    def _limits_changed(self) -> None:
        """Link and storage limits are the daemon's: files waiting for a raised one start."""
        self.state.daemon.limits_changed(self.state.clock.time())

    def throughput_limits(self, source: str, destination: str) -> dict[str, float]:
        """Configured throughput limits of a pair's storages (the snapshot's ``limits``)."""
        limits = {}
        outbound = (self.storages.get(source) or {}).get("outbound_max_throughput")
        inbound = (self.storages.get(destination) or {}).get("inbound_max_throughput")
        if outbound:
            limits["source"] = outbound
        if inbound:
            limits["destination"] = inbound
        return limits

    # --- authorizations ----------------------------------------------------------------

    @locked
    def grant(self, identity: Identity, dn: Any, operation: Any) -> dict:
        if not dn or not operation:
            raise errors.MissingAuthzFields()
        dn, operation = _cast("dn", dn, str), _cast("operation", operation, str)
        if operation == ADMIN:
            raise errors.AdminLevelLocked()
        if operation not in self.grants.get(dn, ()):
            columns.fits("t_authz_dn", {"dn": dn, "operation": operation})
            self.audit(identity, "authorize", f'{operation} granted to "{dn}"')
            self.grants.setdefault(dn, set()).add(operation)
        return {"dn": dn, "operation": operation}

    @locked
    def grant_admin(self, dn: str) -> None:
        """Give ``dn`` the ``admin`` grant, which only the database can create (as a
        site's operators do: ``controllers/config/authz.py`` refuses it). Not audited."""
        columns.check("t_authz_dn", "dn", dn)
        self.grants.setdefault(dn, set()).add(ADMIN)

    @locked
    def list_grants(self, dn: str | None = None, operation: str | None = None) -> list[dict]:
        return [
            {"dn": who, "operation": op}
            for who, ops in self.grants.items()
            if not dn or who == dn
            for op in sorted(ops)
            if not operation or op == operation
        ]

    @locked
    def revoke(self, identity: Identity, dn: str | None, operation: str | None) -> None:
        if not dn:
            raise errors.MissingAuthzDn()
        if operation == ADMIN:
            raise errors.AdminLevelLocked()
        text = f'{operation} revoked for "{dn}"' if operation else f'All revoked for "{dn}"'
        self.audit(identity, "revoke", text)
        # ``controllers/config/authz.py: remove_authz`` filters ``operation != "admin"``:
        # the API never removes an admin grant, even when revoking everything.
        granted = self.grants.get(dn, set())
        if operation:
            granted.discard(operation)
        else:
            granted &= {ADMIN}
        if not granted:
            self.grants.pop(dn, None)

    def effective(self, identity: Identity) -> Identity:
        """``identity`` with its DB grants applied (level ``all`` for each granted
        operation, and ``admin: all`` implying ``config: all``), as the server computes
        ``level`` on every request."""
        granted = self.grants.get(identity.user_dn)
        if not granted or identity.is_root or not isinstance(identity.level, dict):
            return identity
        level = dict(identity.level)
        level.update({op: ALL for op in granted})
        if level.get(ADMIN) == ALL:
            level[CONFIG] = ALL
        return replace(identity, level=level)

    # --- activity shares ---------------------------------------------------------------

    @locked
    def set_activity_share(self, identity: Identity, body: dict) -> dict:
        if not body.get("vo"):
            raise errors.MissingActivityVo()
        if not body.get("share"):
            raise errors.MissingActivityShare()
        body = dict(body)
        body.setdefault("active", True)
        share = body["share"]
        if isinstance(share, dict):
            share = [{key: value} for key, value in share.items()]
        if not isinstance(share, list):
            raise errors.ActivityShareFormat()
        for entry in share:
            if not isinstance(entry, dict):
                raise errors.ActivityShareFormat()
            for value in entry.values():
                if type(value) not in (float, int):
                    raise errors.ShareWeightNotNumber()
        body["share"] = share
        active = _cast("active", body["active"], bool)
        vo = _cast("vo", body["vo"], str)  # the key of the row: a list or object cannot be
        # ``controllers/config/activities.py`` answers the length hook's ValueError as 400
        columns.fits("t_activity_share_config", {"vo": vo, "activity_share": share})
        self.audit(identity, "activity-share", json.dumps(body))
        self.activity_shares[vo] = {"vo": vo, "active": active, "activity_share": share}
        return dict(self.activity_shares[vo])

    @locked
    def all_activity_shares(self) -> dict[str, dict]:
        return {vo: self._share_view(row) for vo, row in self.activity_shares.items()}

    @locked
    def activity_share(self, vo: str) -> dict:
        row = self.activity_shares.get(vo)
        if row is None:
            raise errors.NoActivityShares(vo=vo)
        return self._share_view(row)

    @locked
    def delete_activity_share(self, identity: Identity, vo: str) -> None:
        if vo not in self.activity_shares:
            raise errors.NoActivityShares(vo=vo)
        self.audit(identity, "activity-share", f'Activity share removed for "{vo}"')
        del self.activity_shares[vo]

    @staticmethod
    def _share_view(row: dict) -> dict:
        merged: dict[str, Any] = {}
        for entry in row["activity_share"]:
            merged.update(entry)
        return {"share": merged, "active": row["active"]}

    # --- cloud storages ----------------------------------------------------------------

    @locked
    def set_cloud_storage(self, body: dict) -> str:
        if "storage_name" not in body:
            raise errors.MissingCloudStorageName()
        name = _text(body["storage_name"], "storage_name")
        previous = self.cloud.get(name)
        storage = CloudStorage(
            name,
            body.get("app_key"),
            body.get("app_secret"),
            body.get("service_api_url"),
            users=previous.users if previous else {},
        )
        columns.fits("t_cloudStorage", self._cloud_view(storage))
        self.cloud[name] = storage
        return name

    @locked
    def cloud_storages(self) -> list[dict]:
        return [
            self._cloud_view(s) | {"users": list(s.users.values())} for s in self.cloud.values()
        ]

    def _cloud(self, name: str) -> CloudStorage:
        try:
            return self.cloud[name]
        except KeyError:
            raise errors.CloudStorageNotFound() from None

    @staticmethod
    def _cloud_view(storage: CloudStorage) -> dict:
        view = asdict(storage)
        view.pop("users")
        return view

    @locked
    def cloud_users(self, name: str) -> list[dict]:
        return list(self._cloud(name).users.values())

    @locked
    def delete_cloud_storage(self, name: str) -> None:
        self._cloud(name)
        del self.cloud[name]

    @locked
    def add_cloud_user(self, name: str, body: dict) -> dict:
        storage = self._cloud(name)
        user_dn, vo = _text(body.get("user_dn"), "user_dn"), _text(body.get("vo_name"), "vo_name")
        if not user_dn and not vo:
            raise errors.CloudUserMissing()
        if user_dn and vo:
            raise errors.CloudUserAmbiguous()
        row = {
            "user_dn": body.get("user_dn", ""),
            "storage_name": name,
            "access_token": body.get("access_key", body.get("access_token")),
            "access_token_secret": body.get("secret_key", body.get("access_token_secret")),
            "request_token": body.get("request_token"),
            "request_token_secret": body.get("request_token_secret"),
            "vo_name": body.get("vo_name", ""),
        }
        columns.fits("t_cloudStorageUser", row)
        storage.users[(row["user_dn"], row["vo_name"])] = row
        return {"storage_name": name, "user_dn": row["user_dn"], "vo_name": row["vo_name"]}

    @locked
    def remove_cloud_user(self, name: str, who: str) -> None:
        storage = self._cloud(name)
        for key in [k for k in storage.users if who in k]:
            del storage.users[key]


def _text(value: Any, name: str) -> Any:
    """A configuration key as the client sent it, which must be text (or absent): the
    real server fails on anything else in its database, a 500; the double answers the
    400 its ``validate_type`` gives other fields (``Field X is expected to be str``)."""
    if value is not None and not isinstance(value, str):
        raise errors.WrongConfigType(key=name, type="str")
    return value
