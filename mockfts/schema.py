"""The submission JSON Schema that ``GET /api-docs/schema/submit`` serves.

Reconstructed from fts-rest-flask ``lib/api/submit_schema.py`` (3.13.4). The real
schema is advisory: the server never validates against it and accepts more than it
allows (``verify_checksum`` strings, string ``metadata``, tokens, ...). We serve it
unchanged, because clients validate against the real one; see
``tests/fts/test_schema.py`` for where the server and its schema disagree. Before
3.13 the destination space token parameter was ``spacetoken``.
"""

from __future__ import annotations

import copy
from typing import Any

from mockfts.profiles import VersionProfile


def _nullable(kind: str, title: str | None = None, **extra: Any) -> dict:
    spec: dict[str, Any] = {"type": [kind, "null"]}
    if title:
        spec["title"] = title
    spec.update(extra)
    return spec


_SCHEMA: dict[str, Any] = {
    "title": "Job submission",
    "type": "object",
    "properties": {
        "params": {
            "title": "Job parameters",
            "type": ["object", "null"],
            "properties": {
                "verify_checksum": _nullable("boolean"),
                "reuse": _nullable("boolean", "If set to true, srm sessions will be reused"),
                "destination_spacetoken": _nullable("string", "Destination space token"),
                "bring_online": _nullable("integer", "Bring online operation timeout"),
                "copy_pin_lifetime": _nullable(
                    "integer",
                    "Minimum lifetime when bring online is used. -1 means no bring online",
                    minimum=-1,
                ),
                "job_metadata": _nullable("object"),
                "source_spacetoken": _nullable("string"),
                "overwrite": _nullable("boolean"),
                "dst_file_report": _nullable("boolean"),
                "gridftp": _nullable("string", "Reserved for future usage"),
                "retry": _nullable("integer"),
                "multihop": _nullable("boolean"),
                "timeout": _nullable("integer", "Timeout in seconds"),
                "nostreams": _nullable("integer", "Number of streams"),
                "buffer_size": _nullable("integer", "Buffer size"),
                "strict_copy": _nullable("boolean", "Disable all checks, just copy the file"),
                "disable_cleanup": _nullable(
                    "boolean", "Enable/disable the copy clean-up happening when a transfer fails"
                ),
                "priority": _nullable("integer", "Job priority"),
                "ipv4": _nullable("boolean", "Force IPv4 if the underlying protocol supports it"),
                "ipv6": _nullable("boolean", "Force IPv6 if the underlying protocol supports it"),
            },
        },
        "files": {
            "type": "array",
            "items": {
                "title": "Transfer",
                "type": "object",
                "required": ["sources", "destinations"],
                "properties": {
                    "sources": {
                        "type": "array",
                        "items": {"title": "URL", "type": "string"},
                        "minItems": 1,
                    },
                    "destinations": {
                        "type": "array",
                        "items": {"title": "URL", "type": "string"},
                        "minItems": 1,
                    },
                    "priority": _nullable("integer", "Job priority"),
                    "metadata": _nullable("object"),
                    "filesize": _nullable("integer", minimum=0),
                    "checksum": _nullable(
                        "string", "User defined checksum in the form algorithm:value"
                    ),
                    "activity": _nullable("string", "Activity share"),
                },
            },
        },
        "delete": {"type": "array", "items": {"type": ["object", "string"]}},
    },
}


def submit_schema(profile: VersionProfile) -> dict:
    schema = copy.deepcopy(_SCHEMA)
    if profile.destination_spacetoken_param != "destination_spacetoken":
        params = schema["properties"]["params"]["properties"]
        params[profile.destination_spacetoken_param] = params.pop("destination_spacetoken")
    return schema
