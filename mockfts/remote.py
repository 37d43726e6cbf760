"""``mockfts.remote(url)``: an FTS double served elsewhere (``mockfts serve``, the CI
container), steered like an in-process :class:`~mockfts.FtsDouble` through ``/_mock``."""

from __future__ import annotations

from typing import Any

from mockcore.remote import RemoteDouble


class RemoteFts(RemoteDouble):
    """The control plane of a served FTS double: ``token_for``, ``load_scenario`` and
    the shared controls (:class:`mockcore.remote.RemoteDouble`)."""

    def token_for(
        self, user: str, vo: str | list[str] | None = None, *, lifetime: float = 3600
    ) -> str:
        body = {"user": user, "vo": vo or "dteam", "lifetime": lifetime}
        return self.call("POST", "/_mock/token", json=body)["access_token"]

    def load_scenario(self, scenario: str | dict[str, Any]) -> dict[str, Any]:
        """Load a scenario on the server (a name there, or the document); returns its
        named ``tokens`` and ``jobs``. A reset returns to it."""
        return self.call("POST", "/_mock/scenario", json={"scenario": scenario})


def remote(url: str) -> RemoteFts:
    """The FTS double serving at ``url``."""
    return RemoteFts(url)
