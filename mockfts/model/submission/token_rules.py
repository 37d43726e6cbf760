"""Token submissions: transfer tokens per source and destination.

The checks of fts-rest-flask ``lib/JobBuilder.py`` and of ``submit`` in ``controllers/jobs.py``.
"""

from __future__ import annotations

import functools
import hashlib
from typing import TYPE_CHECKING

import jwt

from mockfts import errors
from mockfts.model.identity import Identity

if TYPE_CHECKING:
    from mockfts.model.submission.builder import SubmissionContext


@functools.lru_cache(maxsize=1024)  # one hash (and one string) for a job's every file
def token_id(token: str) -> str:
    return hashlib.sha1(token.encode("utf-8")).hexdigest()[:16]


def check_transfer_token(token: str, ctx: SubmissionContext) -> None:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise errors.BadRequest("Failed to validate access-token") from None
    for claim, article in (("iss", "an"), ("exp", "an"), ("scope", "a"), ("aud", "an")):
        if claim not in claims:
            raise errors.BadRequest(f"Token does not contain {article} {claim} claim")
    if "nbf" not in claims and ctx.profile.name == "3.13":
        raise errors.BadRequest("Token does not contain a nbf claim")
    audience = claims["aud"]
    if not (
        audience is None
        or isinstance(audience, str)
        or (isinstance(audience, list) and all(isinstance(a, str) for a in audience))
    ):
        raise errors.BadRequest(
            "Token audience must be a null, string or list of strings: "
            f"actual_type={type(audience)}"
        )
    issuer = str(claims["iss"])
    issuer = issuer if issuer.endswith("/") else issuer + "/"
    if not ctx.token_issuer_known(issuer):
        raise errors.BadRequest(f"Transfer access-token has unknown issuer: issuer={issuer}")


def entry_tokens(
    entry: dict,
    sources: list,
    destinations: list,
    identity: Identity,
    ctx: SubmissionContext,
    any_tokens: bool,
) -> tuple[list, list]:
    if identity.method != "oauth2":
        return [None] * len(sources), [None] * len(destinations)
    if not any_tokens:  # the submit token is copied to every source and destination
        return [identity.token] * len(sources), [identity.token] * len(destinations)
    src_tokens, dst_tokens = entry.get("source_tokens"), entry.get("destination_tokens")
    if src_tokens is None or dst_tokens is None:
        raise errors.BadRequest(
            "Both source_tokens and destination_tokens are required if one of them is present."
        )
    if len(src_tokens) != len(sources):
        raise errors.BadRequest("Length of source_tokens should be equal to the length of sources.")
    if len(dst_tokens) != len(destinations):
        raise errors.BadRequest(
            "Length of destination_tokens should be equal to the length of destinations."
        )
    for url, token in zip(sources, src_tokens, strict=True):
        if not isinstance(token, str):
            raise errors.BadRequest(f"Source token is not a string: type(src_token)={type(token)}")
        if not token:
            raise errors.BadRequest(f"Token for source '{url}' is missing.")
        check_transfer_token(token, ctx)
    for url, token in zip(destinations, dst_tokens, strict=True):
        if not isinstance(token, str):
            raise errors.BadRequest(
                f"Destination token is not a string: type(dst_token)={type(token)}"
            )
        if not token:
            raise errors.BadRequest(f"Token for destination '{url}' is missing.")
        check_transfer_token(token, ctx)
    return list(src_tokens), list(dst_tokens)
