"""``mockglobus.remote(url)``: a Globus double served elsewhere (``mockglobus serve``,
the CI container), steered like an in-process :class:`~mockglobus.GlobusDouble` through
``/_mock``."""

from __future__ import annotations

from mockcore.remote import RemoteDouble
from mockglobus.auth.scopes import TRANSFER_RS


class RemoteGlobus(RemoteDouble):
    """The control plane of a served Globus double: ``token_for``, ``env`` and the shared
    controls (:class:`mockcore.remote.RemoteDouble`)."""

    def token_for(
        self,
        username: str | None = None,
        resource_server: str = TRANSFER_RS,
        scopes: str | None = None,
    ) -> str:
        body = {"user": username, "resource_server": resource_server, "scopes": scopes}
        body = {k: v for k, v in body.items() if v is not None}
        return self.call("POST", "/_mock/token", json=body)["access_token"]

    def env(self) -> dict[str, str]:
        """The SDK's service URLs pointing at the server (the client id and secret of
        ``GlobusDouble.env`` are printed by ``mockglobus serve``)."""
        base = self.url + "/"
        services = ("AUTH", "TRANSFER", "GROUPS", "SEARCH", "TIMER")
        return {f"GLOBUS_SDK_SERVICE_URL_{name}": base for name in services}


def remote(url: str) -> RemoteGlobus:
    """The Globus double serving at ``url``."""
    return RemoteGlobus(url)
