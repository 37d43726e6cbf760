"""The two decorators every model method of a double wears.

A double's models share one re-entrant lock and one virtual clock (``state``); a public
method runs under the lock, and most first run the events whose time has come, so each
answer reflects exactly the virtual time of the call.

They decorate methods of a model part holding the state as ``self.state``, and methods
of the :class:`~mockcore.state.ServiceState` subclass itself (``self`` is the state).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from mockcore.state import ServiceState

F = TypeVar("F", bound=Callable[..., Any])


def _state_of(owner: Any) -> ServiceState:
    return owner if isinstance(owner, ServiceState) else owner.state


def locked(method: F) -> F:
    """Run ``method`` holding the state's lock."""

    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _state_of(self).lock:
            return method(self, *args, **kwargs)

    return run  # type: ignore[return-value]


def settled(method: F) -> F:
    """Run ``method`` holding the state's lock, after every event that is due."""

    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        state = _state_of(self)
        with state.lock:
            state.settle()
            return method(self, *args, **kwargs)

    return run  # type: ignore[return-value]


__all__ = ["locked", "settled"]
