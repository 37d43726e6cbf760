"""A high-fidelity test double of the CERN FTS3 REST server.

>>> from mockfts import mock_fts
>>> with mock_fts() as fts:                      # doctest: +SKIP
...     token = fts.token_for("alice", vo="dteam")
...     ctx = fts3.Context("https://fts3.mock:8446", fts_access_token=token)
"""

from mockfts.double import DEFAULT_ENDPOINT, FtsDouble, mock_fts
from mockfts.model.store import FtsState
from mockfts.profiles import CURRENT, LEGACY, PROFILES, V3_13, VersionProfile
from mockfts.remote import RemoteFts, remote

__all__ = [
    "CURRENT",
    "DEFAULT_ENDPOINT",
    "FtsDouble",
    "FtsState",
    "LEGACY",
    "PROFILES",
    "V3_13",
    "VersionProfile",
    "RemoteFts",
    "mock_fts",
    "remote",
]
