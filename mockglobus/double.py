"""The Globus double a test holds, and ``mock_globus`` to patch the production URLs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from mockcore.clock import Clock, ManualClock
from mockcore.double import Double
from mockcore.mocking import MockContext
from mockglobus.app import shared_app
from mockglobus.auth.scopes import TRANSFER_RS
from mockglobus.auth.seed import DEFAULT_SCENARIO, check_scenario
from mockglobus.groups.model import GroupsModel
from mockglobus.search.model import SearchModel
from mockglobus.state import GlobusState
from mockglobus.transfer.model import TransferModel

AUTH_URL = "https://auth.globus.org"
TRANSFER_URL = "https://transfer.api.globus.org"
GROUPS_URL = "https://groups.api.globus.org"
SEARCH_URL = "https://search.api.globus.org"
TIMER_URL = "https://timer.automate.globus.org"
PRODUCTION_URLS = (AUTH_URL, TRANSFER_URL, GROUPS_URL, SEARCH_URL, TIMER_URL)

F = TypeVar("F", bound=Callable[..., Any])


class GlobusDouble(Double):
    """Globus Auth, Transfer, Groups, Search and Timers in one double.

    ``auth`` is the :class:`~mockglobus.auth.model.AuthModel` (accounts, clients,
    tokens), ``transfer`` the :class:`~mockglobus.transfer.model.TransferModel`. Options
    beyond ``clock``/``seed`` go to the AuthModel: ``scenario`` (default ``"default"``),
    ``permissive`` (default True), ``faker_users``, ``id_token_alg``,
    ``rotate_refresh_tokens``, ``access_token_lifetime``. The state is built and
    seeded on first use (a request, or any use of ``state``, ``auth`` or ``transfer``).
    """

    state: GlobusState
    base_urls = PRODUCTION_URLS  # intercept() answers every production host the double serves

    def __init__(self, *, seed: int = 0, clock: Clock | None = None, **auth_options: Any) -> None:
        clock = clock or ManualClock()
        check_scenario(auth_options.get("scenario", DEFAULT_SCENARIO))  # fails here, not later
        super().__init__(
            lambda: GlobusState(clock, seed, **auth_options),  # seeded on first use
            lambda _state: shared_app(),
            clock=clock,
        )

    @property
    def auth(self):  # noqa: ANN201 - AuthModel
        return self.state.auth

    @property
    def transfer(self) -> TransferModel:
        return self.state.transfer

    @property
    def groups(self) -> GroupsModel:
        """The :class:`~mockglobus.groups.model.GroupsModel` (groups, memberships)."""
        return self.state.groups

    @property
    def search(self) -> SearchModel:
        """The :class:`~mockglobus.search.model.SearchModel` (indexes, entries, tasks)."""
        return self.state.search

    # ------------------------------------------------------------ test helpers
    def token_for(
        self,
        username: str | None = None,
        resource_server: str = TRANSFER_RS,
        scopes: str | Iterable[str] | None = None,
    ) -> str:
        """An access token for ``username`` (default: the scenario's default user)."""
        return self.auth.mint_token(
            username or self.auth.authorization.default_username(), resource_server, scopes
        )

    def get_auth_code(
        self, authorize_url: str, username: str | None = None, *, mfa: bool = False
    ) -> str:
        """Log in at ``authorize_url`` as ``username`` (with MFA if ``mfa``) without a
        browser; the code."""
        return self.auth.get_auth_code(authorize_url, username, mfa=mfa)

    def env(
        self, url: str | None = None, client_id: str | None = None, client_secret: str | None = None
    ) -> dict[str, str]:
        """Environment variables pointing globus-sdk and globus-cli at a live server
        (``url`` defaults to the one :meth:`serve` started), in client-identity mode."""
        if url is None:
            if self.server is None:
                raise RuntimeError("no live server: call serve() or pass url")
            url = self.server.url
        base = url.rstrip("/") + "/"
        if client_id is None:
            client_id = self.cli_client_id
        if client_secret is None:
            client_secret = self.auth.secret_of(client_id)
        return {
            "GLOBUS_SDK_SERVICE_URL_AUTH": base,
            "GLOBUS_SDK_SERVICE_URL_TRANSFER": base,
            "GLOBUS_SDK_SERVICE_URL_GROUPS": base,
            "GLOBUS_SDK_SERVICE_URL_SEARCH": base,
            "GLOBUS_SDK_SERVICE_URL_TIMER": base,
            "GLOBUS_CLI_CLIENT_ID": client_id,
            "GLOBUS_CLI_CLIENT_SECRET": client_secret,
        }

    @property
    def cli_client_id(self) -> str:
        """The client identity handed to globus-cli: the first ``client_identity``
        client of the scenario (one is made if there is none)."""
        with self.state.lock:
            for client in self.auth.clients.values():
                if client.client_type == "client_identity":
                    return client.id
            return self.auth.add_client("mockglobus CLI", "client_identity").id


class mock_globus(MockContext):  # noqa: N801 - reads like moto's mock_aws
    """Serve a fresh :class:`GlobusDouble` on the production URLs, in-process.

    As a context manager it yields the double; as a decorator it runs the function
    inside one (passing it as ``globus`` if the function takes that parameter)::

        with mock_globus() as globus:
            tokens = globus_sdk.ConfidentialAppAuthClient(...).oauth2_client_credentials_tokens(...)

    Pass ``rsps=`` to share a test's own ``responses`` mock; other keyword arguments
    go to :class:`GlobusDouble`.
    """

    argument = "globus"

    def make_double(self) -> GlobusDouble:
        return GlobusDouble(**self.options)
