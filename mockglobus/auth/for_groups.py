"""Auth as Groups sees it: the one adapter from :class:`~.model.AuthModel` to
:class:`mockglobus.groups.identity.GroupsAuth`.

Every Auth refusal of a bearer token (missing, unknown, expired, revoked, or issued for
another resource server than ``groups.api.globus.org``) becomes Groups' 401
:class:`~mockglobus.groups.errors.Unauthorized`, with Auth's message as ``detail``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockglobus.auth import errors as auth_errors
from mockglobus.auth.scopes import GROUPS_RS
from mockglobus.groups import errors as E
from mockglobus.groups.identity import GroupsCaller

if TYPE_CHECKING:
    from mockglobus.auth.model import AuthModel


class AuthForGroups:
    """Answers Groups' questions from ``auth`` (in-process; no HTTP)."""

    def __init__(self, auth: AuthModel) -> None:
        self.auth = auth

    def caller_for_token(self, token: str | None) -> GroupsCaller:
        try:
            info = self.auth.check_access_token(token, GROUPS_RS)
        except auth_errors.TokenRejected as exc:
            raise E.Unauthorized(exc.message) from None
        return GroupsCaller(
            info.identity_id,
            info.username,
            tuple(info.identity_set) or (info.identity_id,),
            frozenset(info.scopes),
            token,
        )

    def username_of(self, identity_id: str) -> str | None:
        found = self.auth.accounts.find(identity_id)
        return found.username if found is not None else None

    def identity_id_of(self, username_or_id: str) -> str | None:
        found = self.auth.accounts.find(username_or_id)
        return found.id if found is not None else None

    def identity_set(self, identity_id: str) -> tuple[str, ...]:
        if self.auth.accounts.find(identity_id) is None:
            return (identity_id,)
        return tuple(i.id for i in self.auth.identity_set(identity_id))


__all__ = ["AuthForGroups"]
