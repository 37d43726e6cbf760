"""Globus Search v1 on the Globus double: model, full-text engine, routes and errors."""

from mockglobus.search.identity import ANONYMOUS, SearchAuth, SearchCaller
from mockglobus.search.model import RESOURCE_SERVER, SearchModel

__all__ = ["ANONYMOUS", "RESOURCE_SERVER", "SearchAuth", "SearchCaller", "SearchModel"]
