"""Reading an index: ``search`` (GET), ``post_search``, ``scroll``, ``get_subject`` and
``get_entry``.

Only entries whose ``visible_to`` names one of the caller's principals are seen
(``public``; with a token ``all_authenticated_users``, the identities of the caller's
identity set and its groups); index roles do not widen that, but admins and owners may
pass ``bypass_visible_to``. Results group matching entries by subject
(``GMetaResult``), a subject ranked by its best entry; ``total`` counts subjects.

Order: by ``sort`` when given (then relevance), else by relevance (then subject).
``boosts`` multiply the relevance a field's matches contribute. ``facets`` are counted
over the entries that match ``q`` and ``filters``, before ``post_facet_filters``;
``terms`` buckets count entries.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from mockcore.locking import settled
from mockglobus.search import errors as E
from mockglobus.search import query as Q
from mockglobus.search.base import SearchPart
from mockglobus.search.identity import SearchCaller
from mockglobus.search.tables import Entry, Index

FIELDS = ("content", "visible_to", "principal_sets")
DEFAULT_LIMIT = 10
SCROLL_DEFAULT_LIMIT = 10


def _bool(raw: str | None, name: str) -> bool:
    if raw is None:
        return False
    lowered = raw.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no", ""):
        return False
    raise E.ValidationError("query", {name: ["Not a valid boolean."]})


def _int(raw: str | None, name: str) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise E.ValidationError("query", {name: ["Not a valid integer."]}) from None


def _commas(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    return [part.strip() for part in raw.split(",") if part.strip()]


class Queries(SearchPart):
    # ------------------------------------------------------------ the API
    @settled
    def search(self, caller: SearchCaller, index_id: str, args: dict[str, str | None]) -> dict:
        """``GET /v1/index/<id>/search``: the query string's parameters as a query document."""
        if args.get("q") is None:
            raise E.ValidationError("query", {"q": ["Missing data for required field."]})
        doc: dict[str, Any] = {
            "q": args["q"],
            "advanced": _bool(args.get("advanced"), "advanced"),
            "bypass_visible_to": _bool(args.get("bypass_visible_to"), "bypass_visible_to"),
        }
        for name in ("offset", "limit"):
            value = _int(args.get(name), name)
            if value is not None:
                doc[name] = value
        for name in ("filter_principal_sets", "fields"):
            names = _commas(args.get(name))
            if names is not None:
                doc[name] = names
        return self._search(caller, index_id, doc, "query")

    @settled
    def post_search(self, caller: SearchCaller, index_id: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise E.BadRequest("A search requires a JSON query document")
        return self._search(caller, index_id, body, "json")

    @settled
    def scroll(self, caller: SearchCaller, index_id: str, body: Any) -> dict[str, Any]:
        """Every match, by subject, a page at a time; ``marker`` says where the next page
        starts (an opaque token of the double: the position, not a server cursor)."""
        if not isinstance(body, dict):
            raise E.BadRequest("A scroll requires a JSON query document")
        index = self.lookups.open_index(index_id)
        limit = self._limit(body, "json", SCROLL_DEFAULT_LIMIT)
        start = 0
        marker = body.get("marker")
        if marker is not None:
            start = self._read_marker(marker, index.id)
        groups, _ = self._match(caller, index, body, "json", with_facets=False)
        ordered = sorted(groups.items())
        page = ordered[start : start + limit]
        end = start + len(page)
        more = end < len(ordered)
        return {
            "@datatype": "GScrollResult",
            "@version": "2017-09-01",
            "total": len(ordered),
            "count": len(page),
            "gmeta": [self._result(s, [e for e, _ in hits], caller, body) for s, hits in page],
            "has_next_page": more,
            "marker": self._marker(end, index.id) if more else None,
        }

    @settled
    def get_subject(
        self, caller: SearchCaller, index_id: str, args: dict[str, str | None]
    ) -> dict[str, Any]:
        subject = args.get("subject")
        if subject is None:
            raise E.ValidationError("query", {"subject": ["Missing data for required field."]})
        index = self.lookups.index(index_id)
        entries = self._readable(caller, index, args)
        found = [e for e in entries if e.subject == subject]
        if not found:
            raise E.NotFound(f'No subject "{subject}" visible to you in index "{index.id}"')
        return self._result(subject, found, caller, {"fields": _commas(args.get("fields"))})

    @settled
    def get_entry(
        self, caller: SearchCaller, index_id: str, args: dict[str, str | None]
    ) -> dict[str, Any]:
        subject = args.get("subject")
        if subject is None:
            raise E.ValidationError("query", {"subject": ["Missing data for required field."]})
        entry_id = args.get("entry_id")
        index = self.lookups.index(index_id)
        found = [
            e
            for e in self._readable(caller, index, args)
            if e.subject == subject and e.entry_id == entry_id
        ]
        if not found:
            shown = "null" if entry_id is None else f'"{entry_id}"'
            raise E.NotFound(
                f'No entry with subject "{subject}" and id {shown} visible to you in index '
                f'"{index.id}"'
            )
        return self._result(subject, found, caller, {"fields": _commas(args.get("fields"))})

    # ------------------------------------------------------------ the pipeline
    def _readable(self, caller: SearchCaller, index: Index, args: dict) -> list[Entry]:
        bypass = _bool(args.get("bypass_visible_to"), "bypass_visible_to")
        return list(self._visible(caller, index, bypass))

    def _visible(self, caller: SearchCaller, index: Index, bypass: bool):
        if bypass:
            if caller.anonymous:
                raise E.Unauthorized("bypass_visible_to requires authentication")
            if not self.lookups.has_role(caller, index, "admin"):
                raise E.Forbidden("bypass_visible_to")
            yield from index.entries.values()
            return
        principals = caller.principals
        for entry in index.entries.values():
            if not principals.isdisjoint(entry.visible_to):
                yield entry

    def _limit(self, doc: dict[str, Any], where: str, default: int) -> int:
        limit = doc.get("limit", default)
        if limit is None:
            limit = default
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise E.ValidationError(where, {"limit": ["Not a valid integer."]})
        if limit > self.settings.max_offset_plus_limit:
            raise E.ValidationError(
                where, {"limit": [f"Must be between 0 and {self.settings.max_offset_plus_limit}."]}
            )
        return limit

    def _search(self, caller: SearchCaller, index_id: str, doc: dict, where: str) -> dict:
        index = self.lookups.open_index(index_id)
        limit = self._limit(doc, where, DEFAULT_LIMIT)
        offset = doc.get("offset", 0) or 0
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
            raise E.ValidationError(where, {"offset": ["Not a valid integer."]})
        ceiling = self.settings.max_offset_plus_limit
        if offset + limit > ceiling:
            raise E.BadRequest(
                f"offset + limit must be at most {ceiling} (got {offset} + {limit}); "
                "use scroll to read further"
            )
        sort = doc.get("sort") or []
        Q.check_sort(sort)
        boosts = doc.get("boosts") or []
        if not isinstance(boosts, list) or not all(
            isinstance(b, dict)
            and isinstance(b.get("field_name"), str)
            and isinstance(b.get("factor"), (int, float))
            and not isinstance(b.get("factor"), bool)
            and b["factor"] >= 0
            for b in boosts
        ):
            raise E.ValidationError(where, {"boosts": ["Each boost is {field_name, factor}."]})
        groups, facets = self._match(caller, index, doc, where, with_facets=True)

        def order(item: tuple[str, list[tuple[Entry, float]]]) -> tuple:
            subject, hits = item
            best = max(score for _, score in hits)
            return (Q.sort_key(sort, (e.values for e, _ in hits)), -best, subject)

        ranked = sorted(groups.items(), key=order)
        total = len(ranked)
        page = ranked[offset : offset + limit]
        result: dict[str, Any] = {
            "@datatype": "GSearchResult",
            "@version": "2017-09-01",
            "total": total,
            "count": len(page),
            "offset": offset,
            "has_next_page": offset + len(page) < min(total, ceiling) and len(page) > 0,
            "gmeta": [self._result(s, [e for e, _ in hits], caller, doc) for s, hits in page],
        }
        if facets is not None:
            result["facet_results"] = facets
        return result

    def _match(
        self, caller: SearchCaller, index: Index, doc: dict, where: str, *, with_facets: bool
    ) -> tuple[dict[str, list[tuple[Entry, float]]], list | None]:
        """The matching entries grouped by subject (with scores), and the facets."""
        filters = doc.get("filters") or []
        post = doc.get("post_facet_filters") or []
        for name, value in (("filters", filters), ("post_facet_filters", post)):
            if not isinstance(value, list):
                raise E.ValidationError(where, {name: ["Not a valid list."]})
            for item in value:
                Q.check_filter(item, name)
        facets = doc.get("facets") or []
        if with_facets:
            Q.check_facets(facets)
        advanced = doc.get("advanced", False)
        if not isinstance(advanced, bool):
            raise E.ValidationError(where, {"advanced": ["Not a valid boolean."]})
        bypass = doc.get("bypass_visible_to", False)
        if not isinstance(bypass, bool):
            raise E.ValidationError(where, {"bypass_visible_to": ["Not a valid boolean."]})
        wanted_sets = doc.get("filter_principal_sets")
        if wanted_sets is not None and (
            not isinstance(wanted_sets, list) or not all(isinstance(s, str) for s in wanted_sets)
        ):
            raise E.ValidationError(where, {"filter_principal_sets": ["Not a valid list."]})
        fields = doc.get("fields")
        if fields is not None and (not isinstance(fields, list) or not set(fields) <= set(FIELDS)):
            raise E.ValidationError(
                where, {"fields": [f"Each field is one of: {', '.join(FIELDS)}."]}
            )
        q = doc.get("q")
        if q is None and not filters:
            raise E.ValidationError(where, {"q": ["Missing data for required field."]})
        node = Q.parse(q, advanced)

        visible = list(self._visible(caller, index, bypass))
        if wanted_sets:
            visible = [e for e in visible if set(self._matched_sets(e, caller)) & set(wanted_sets)]
        corpus = Q.Corpus(index.id, {e.key: e for e in visible}, index.mapping, self.t.engine)
        scores = corpus.run(node)
        for boost in doc.get("boosts") or []:
            if node is Q.EVERYTHING:
                break
            extra = corpus.run(Q.with_field(node, boost["field_name"]))
            for key, score in extra.items():
                if key in scores:
                    scores[key] += (boost["factor"] - 1.0) * score
        mapping = index.mapping
        matched = [
            corpus.entries[k]
            for k in scores
            if all(Q.filter_matches(f, corpus.entries[k].values, mapping) for f in filters)
        ]
        facet_docs = Q.facet_results(facets, matched, mapping) if with_facets and facets else None
        if post:
            matched = [
                e for e in matched if all(Q.filter_matches(f, e.values, mapping) for f in post)
            ]
        groups: dict[str, list[tuple[Entry, float]]] = {}
        for entry in matched:
            groups.setdefault(entry.subject, []).append((entry, scores[entry.key]))
        return groups, facet_docs

    # ------------------------------------------------------------ documents
    @staticmethod
    def _matched_sets(entry: Entry, caller: SearchCaller) -> list[str]:
        principals = caller.principals
        return [
            name for name, urns in entry.principal_sets.items() if not principals.isdisjoint(urns)
        ]

    def _result(
        self, subject: str, entries: list[Entry], caller: SearchCaller, doc: dict
    ) -> dict[str, Any]:
        fields = doc.get("fields") or ["content"]
        shown = []
        for entry in sorted(entries, key=lambda e: (e.entry_id is not None, e.entry_id or "")):
            item: dict[str, Any] = {}
            if "content" in fields:
                item["content"] = entry.content
            item["entry_id"] = entry.entry_id
            item["matched_principal_sets"] = self._matched_sets(entry, caller)
            if "visible_to" in fields:
                item["visible_to"] = entry.visible_to
            if "principal_sets" in fields:
                item["principal_sets"] = entry.principal_sets
            shown.append(item)
        return {
            "@datatype": "GMetaResult",
            "@version": "2019-08-27",
            "subject": subject,
            "entries": shown,
        }

    @staticmethod
    def _marker(position: int, index_id: str) -> str:
        raw = json.dumps({"i": index_id, "o": position}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def _read_marker(marker: Any, index_id: str) -> int:
        try:
            padded = str(marker) + "=" * (-len(str(marker)) % 4)
            doc = json.loads(base64.urlsafe_b64decode(padded.encode()))
            if doc["i"] != index_id or not isinstance(doc["o"], int) or doc["o"] < 0:
                raise ValueError
            return doc["o"]
        except (ValueError, KeyError, TypeError):
            raise E.BadRequest(f"Invalid scroll marker: {marker!r}") from None


__all__ = ["Queries"]
