"""What every error a double answers with has, whatever the service: a status and a message.

Each service declares its own errors on a base of its own (``mockfts.errors.FtsError``,
``mockglobus.auth.errors.AuthError``, ``mockglobus.transfer.errors.TransferError``),
which adds what its envelope needs (a code, a shape) and is rendered once by that
service. They all derive from :class:`ServiceError`, so shared code and tests can read
``status`` and ``message`` of any of them, and tell a service's own answer from a crash.
"""

from __future__ import annotations

__all__ = ["ServiceError"]


class ServiceError(Exception):
    """An error a double answers with: HTTP ``status`` and a ``message`` for people.

    ``message`` is the first argument unless the service's base sets it (the Transfer
    base sets its rendered template and passes ``"<code>: <message>"`` to
    ``Exception``).
    """

    status: int = 500

    @property
    def message(self) -> str:
        """What the service says, for people (``message``/``detail``/``error_description``
        of the envelope)."""
        text = self.__dict__.get("_message")
        if text is None:
            text = str(self.args[0]) if self.args else ""
        return text

    @message.setter
    def message(self, text: str) -> None:
        self.__dict__["_message"] = text
