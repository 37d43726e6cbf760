"""``with mock_x() as double`` / ``@mock_x()``: the moto-style entry point of every double."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import responses

from mockcore.double import Double
from mockcore.inprocess import InProcessTransport


class MockContext:
    """Context manager and decorator serving a fresh double in-process.

    As a context manager it yields the double; as a decorator it runs the function
    inside one, passing the double as the keyword argument named :attr:`argument`
    when the function takes it (hidden from pytest's fixture lookup). ``rsps=``
    shares a test's own ``responses`` mock; other keyword arguments go to the double.
    """

    argument = "double"

    def __init__(self, *, rsps: responses.RequestsMock | None = None, **options: Any) -> None:
        self.rsps = rsps
        self.options = options
        self.double: Double | None = None
        self._transport: InProcessTransport | None = None

    def make_double(self) -> Double:
        raise NotImplementedError

    def intercept(self, double: Double) -> InProcessTransport:
        return double.intercept(rsps=self.rsps)

    def __enter__(self) -> Any:
        self.double = self.make_double()
        self._transport = self.intercept(self.double).start()
        return self.double

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if self._transport is not None:
            self._transport.stop()
        self._transport = None
        if exc_type is None and self.double is not None:
            self.double.raise_errors()  # a crash inside the double fails the caller

    def __call__(self, func: Callable) -> Callable:
        wants_double = self.argument in inspect.signature(func).parameters
        fresh = self._fresh

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with fresh() as double:
                if wants_double:
                    kwargs[self.argument] = double
                return func(*args, **kwargs)

        if wants_double:
            signature = inspect.signature(func)
            wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
                parameters=[p for p in signature.parameters.values() if p.name != self.argument]
            )
        return wrapper

    def _fresh(self) -> MockContext:
        """A new context with the same settings: each decorated call gets its own double."""
        twin = object.__new__(type(self))
        twin.__dict__.update(self.__dict__)
        twin.double, twin._transport = None, None
        return twin
