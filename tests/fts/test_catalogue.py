"""The route catalogue stays true to the app (the README table is generated from it)."""

from __future__ import annotations

from mockfts import FtsDouble
from mockfts.catalogue import CATALOGUE, served_routes


def test_every_catalogued_route_is_served_or_explained():
    served = served_routes(FtsDouble(profile="legacy").app)
    for methods, path, reason in CATALOGUE:
        if reason is None:
            assert path in served, path
            assert set(methods.split(", ")) <= served[path], (path, served[path])


def test_every_served_route_is_catalogued():
    catalogued = {path for _, path, _ in CATALOGUE}
    served = served_routes(FtsDouble(profile="legacy").app)
    assert {p for p in served if not p.startswith("/_mock")} <= catalogued
