"""The two decorators every model method of the double wears.

A double's models share one re-entrant lock and one virtual clock (``state``); a public
method runs under the lock, and most first run the events whose time has come, so each
answer reflects exactly the virtual time of the call.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def locked(method: F) -> F:
    """Run ``method`` holding ``self.state.lock``."""

    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        with self.state.lock:
            return method(self, *args, **kwargs)

    return run  # type: ignore[return-value]


def settled(method: F) -> F:
    """Run ``method`` holding ``self.state.lock``, after every event that is due."""

    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        with self.state.lock:
            self.state.settle()
            return method(self, *args, **kwargs)

    return run  # type: ignore[return-value]


__all__ = ["locked", "settled"]
