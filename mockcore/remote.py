"""A double on another process, steered through its ``/_mock`` control plane.

:class:`RemoteDouble` offers the control methods of an in-process double (``advance``,
``reset``, ``snapshot``/``restore``, ``journal``, ``faults``, the clock), so a test that
uses only those runs against a shared ``serve``d double by changing one fixture.
Services add their own (``mockfts.remote``, ``mockglobus.remote``). A refused control
request raises :class:`RemoteError` with the server's answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import requests


class RemoteError(RuntimeError):
    """The double refused a control request; ``status`` and ``body`` are its answer."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"{status}: {body[:300]}")
        self.status = status
        self.body = body


class RemoteFaults:
    """``double.faults`` over HTTP: the same methods, arming faults on the server."""

    def __init__(self, remote: RemoteDouble) -> None:
        self._remote = remote

    def fail(
        self,
        path: str,
        status: int = 503,
        *,
        method: str | None = None,
        body: Any = None,
        retry_after: int | None = None,
        after: int = 0,
        times: int | None = 1,
    ) -> dict[str, Any]:
        fault = {"path": path, "status": status, "method": method, "body": body}
        fault.update(retry_after=retry_after, after=after, times=times)
        return self._arm(fault)

    def delay(
        self,
        path: str,
        seconds: float,
        *,
        method: str | None = None,
        after: int = 0,
        times: int | None = None,
    ) -> dict[str, Any]:
        return self._arm(
            {"path": path, "latency": seconds, "method": method, "after": after, "times": times}
        )

    def drop(
        self, path: str, *, method: str | None = None, after: int = 0, times: int | None = 1
    ) -> dict[str, Any]:
        return self._arm(
            {"path": path, "drop": True, "method": method, "after": after, "times": times}
        )

    def _arm(self, fault: dict[str, Any]) -> dict[str, Any]:
        return self._remote.call("POST", "/_mock/faults", json=fault)

    @property
    def armed(self) -> list[dict[str, Any]]:
        return self._remote.call("GET", "/_mock/faults")["faults"]

    def clear(self) -> None:
        self._remote.call("DELETE", "/_mock/faults")


class RemoteDouble:
    """The control plane of the double serving at ``url``."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.endpoint = self.url  # where clients go, as an in-process double's
        self.timeout = timeout
        self.session = requests.Session()
        self.faults = RemoteFaults(self)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        reply = self.session.request(method, self.url + path, timeout=self.timeout, **kwargs)
        if reply.status_code >= 400:
            raise RemoteError(reply.status_code, reply.text)
        if reply.headers.get("Content-Type", "").startswith("application/json"):
            return reply.json()
        return reply.content

    def advance(self, seconds: float) -> datetime:
        """Move the server's virtual clock; returns its time after the move."""
        return datetime.fromisoformat(
            self.call("POST", "/_mock/advance", json={"seconds": seconds})["now"]
        )

    def now(self) -> datetime:
        return datetime.fromisoformat(self.call("GET", "/_mock/clock")["now"])

    def reset(self) -> None:
        self.call("POST", "/_mock/reset")

    def snapshot(self) -> bytes:
        return self.call("POST", "/_mock/snapshot")

    def restore(self, blob: bytes) -> None:
        self.call(
            "POST",
            "/_mock/restore",
            data=blob,
            headers={"Content-Type": "application/octet-stream"},
        )

    def journal(
        self,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Entries oldest first (``path`` is a regular expression over the whole path)."""
        query = {"method": method, "path": path, "status": status, "limit": limit}
        params = {k: v for k, v in query.items() if v is not None}
        return self.call("GET", "/_mock/journal", params=params)["entries"]

    def clear_journal(self) -> None:
        self.call("DELETE", "/_mock/journal")

    def openapi(self) -> dict[str, Any]:
        return self.call("GET", "/_mock/openapi.json")


__all__ = ["RemoteDouble", "RemoteError", "RemoteFaults"]
