"""Auth as Search sees it: the one adapter from :class:`~.model.AuthModel` to
:class:`mockglobus.search.identity.SearchAuth`.

A request without a token is an anonymous caller (Search serves queries and reads of
public entries without one); any token Auth refuses (unknown, expired, revoked, or
issued for another resource server, such as a Transfer token) is Search's 401 with
Auth's reason, as the real service answers after introspecting it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mockglobus.auth import errors as auth_errors
from mockglobus.auth.scopes import SEARCH_RS
from mockglobus.search import errors as E
from mockglobus.search.identity import ANONYMOUS, SearchCaller

if TYPE_CHECKING:
    from mockglobus.auth.model import AuthModel


class AuthForSearch:
    """Answers Search's questions from ``auth`` (in-process; no HTTP)."""

    def __init__(
        self, auth: AuthModel, group_ids_of: Callable[[str], frozenset[str]] | None = None
    ) -> None:
        self.auth = auth
        # where group membership comes from (GlobusState passes the Groups-backed
        # ``AuthForTransfer.group_ids_of``); no groups without one
        self._group_ids_of = group_ids_of

    def caller_for_token(self, token: str | None) -> SearchCaller:
        if not token:
            return ANONYMOUS
        try:
            info = self.auth.check_access_token(token, SEARCH_RS)
        except auth_errors.TokenRejected as exc:
            raise E.Unauthorized(exc.message) from None
        return SearchCaller(
            info.identity_id,
            info.username,
            frozenset(info.identity_set),
            self.group_ids_of(info.identity_id),
        )

    def group_ids_of(self, identity_id: str) -> frozenset[str]:
        """Ids of the groups the identity's account is an active member of."""
        if self._group_ids_of is None:
            return frozenset()
        return frozenset(self._group_ids_of(identity_id))


__all__ = ["AuthForSearch"]
