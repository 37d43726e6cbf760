"""``endpoint_search``: filter scopes, full-text ranking and paging."""

from __future__ import annotations

from typing import Any

from mockcore.locking import settled
from mockcore.state import ServiceState
from mockglobus.transfer import errors as E
from mockglobus.transfer.access import Caller
from mockglobus.transfer.base import Lookups
from mockglobus.transfer.endpoints import ENTITY_TYPES, GCP_MAPPED, GCSV5_ENDPOINT, Collection
from mockglobus.transfer.query import bool_param, int_param
from mockglobus.transfer.tables import Tables


class EndpointSearch:
    """Ranks display-name hits above hits in other text fields; every word must match."""

    def __init__(self, state: ServiceState, tables: Tables, lookups: Lookups) -> None:
        self.state = state
        self.t = tables
        self.lookups = lookups

    @settled
    def endpoint_search(self, caller: Caller, args: dict[str, str | None]) -> dict[str, Any]:
        scope = args.get("filter_scope") or "all"
        text = (args.get("filter_fulltext") or "").strip()
        limit = int_param(args.get("limit"), "limit", default=25, minimum=1, maximum=100)
        offset = int_param(args.get("offset"), "offset", default=0, maximum=999)
        if offset + limit > 1000:
            raise E.BadRequest("offset + limit must not exceed 1000")
        entity_type = args.get("filter_entity_type")
        non_functional = args.get("filter_non_functional")
        if entity_type and non_functional not in (None, ""):
            raise E.BadRequest(
                "filter_entity_type and filter_non_functional are mutually exclusive"
            )
        if entity_type and entity_type not in ENTITY_TYPES:
            raise E.BadRequest(f"Invalid filter_entity_type '{entity_type}'")
        scopes = {
            "all",
            "my-endpoints",
            "my-gcp-endpoints",
            "recently-used",
            "in-use",
            "shared-by-me",
            "shared-with-me",
            "hide-no-permissions",
            "administered-by-me",
        }
        if scope not in scopes:
            raise E.BadRequest(
                f"Invalid filter_scope '{scope}'; valid scopes are: " + ", ".join(sorted(scopes))
            )
        if scope == "all" and not text:
            raise E.BadRequest("filter_fulltext is required when filter_scope is 'all'")
        nf = (
            None
            if non_functional in (None, "")
            else bool_param(non_functional, "filter_non_functional", default=False)
        )
        owner = args.get("filter_owner_id")
        host_ep = args.get("filter_host_endpoint")
        words = [w.lower() for w in text.split()]
        hits: list[tuple[float, Collection]] = []
        recent = self.t.recently_used.get(caller.identity_id, {})
        for coll in self.t.collections.values():
            if coll.deleted:
                continue
            roles = self.lookups.roles(coll, caller)
            if not self._in_scope(scope, coll, caller, roles, recent):
                continue
            if entity_type and coll.entity_type != entity_type:
                continue
            if nf is not None and (coll.entity_type == GCSV5_ENDPOINT) != nf:
                continue
            if owner and owner not in (coll.creator_id, coll.gcs_endpoint_id, coll.id):
                continue
            if host_ep and coll.host_id != host_ep:
                continue
            rank = 1.0
            if words:
                rank = self._rank(coll, words)
                if rank <= 0:
                    continue
            hits.append((rank, coll))
        if scope == "recently-used":
            hits.sort(key=lambda h: -recent.get(h[1].id, 0.0))
        else:
            hits.sort(key=lambda h: (-h[0], h[1].display_name.lower(), h[1].id))
        page = hits[offset : offset + limit]
        data = []
        for rank, coll in page:
            doc = self.lookups.endpoint_doc(coll, caller)
            doc["_rank"] = round(rank, 4)
            data.append(doc)
        return {
            "DATA_TYPE": "endpoint_list",
            "DATA": data,
            "limit": limit,
            "offset": offset,
            "has_next_page": offset + limit < min(len(hits), 1000),
        }

    def _in_scope(
        self,
        scope: str,
        coll: Collection,
        caller: Caller,
        roles: list[str],
        recent: dict[str, float],
    ) -> bool:
        mine = coll.creator_id == caller.identity_id
        if scope == "my-endpoints":
            return (
                mine
                and coll.entity_type != GCSV5_ENDPOINT
                or (coll.entity_type == GCSV5_ENDPOINT and "administrator" in roles)
            )
        if scope == "my-gcp-endpoints":
            return mine and coll.entity_type == GCP_MAPPED
        if scope == "recently-used":
            return coll.id in recent
        if scope == "in-use":
            return any(
                t.owner_id == caller.identity_id
                for t in self.t.active_by_endpoint.get(coll.id, {}).values()
            )
        if scope == "shared-by-me":
            return mine and coll.is_guest
        if scope == "shared-with-me":
            return (
                coll.is_guest
                and not mine
                and any(
                    r.principal_type == "identity" and r.principal == caller.identity_id
                    for r in coll.acl.values()
                )
            )
        if scope == "administered-by-me":
            return "administrator" in roles
        visible = (
            bool(coll.attrs.get("public"))
            or bool(roles)
            or mine
            or (
                coll.is_guest
                and bool(
                    coll.acl_permissions(caller.identity_id, tuple(), self.lookups.groups(caller))
                    or any(r.principal in (caller.identity_id, "") for r in coll.acl.values())
                )
            )
        )
        if scope == "hide-no-permissions":
            return visible and (bool(roles) or mine or not coll.is_guest)
        return visible

    @staticmethod
    def _rank(coll: Collection, words: list[str]) -> float:
        fields = [coll.display_name, coll.id, coll.owner_string] + [
            str(coll.attrs.get(k) or "")
            for k in ("description", "organization", "department", "keywords")
        ]
        haystack = [f.lower() for f in fields]
        score = 0.0
        for word in words:
            if word in haystack[0]:
                score += 2.0
            elif any(word in f for f in haystack[1:]):
                score += 1.0
            else:
                return 0.0
        return score / len(words)
