"""The gfal2 mock plugin's URL parsing quirks, which tests written for real FTS rely on."""

from __future__ import annotations

from mockfts.model.mockurl import MockUrl, atoll


def test_first_item_starting_with_the_key_wins():
    assert MockUrl("mock://h/f?size_post=5&size=10").int("size") == 5
    assert MockUrl("mock://h/f?size=10&size_post=5").int("size") == 10


def test_access_matches_access_errno_unless_access_comes_first():
    assert MockUrl("mock://h/f?access_errno=13").int("access") == 13
    assert MockUrl("mock://h/f?access=0&access_errno=13").int("access") == 0


def test_items_without_equals_are_passed_over():
    assert MockUrl("mock://h/f?list&list=a:644:1").raw("list") == "a:644:1"
    assert MockUrl("mock://h/f?size").raw("size") is None


def test_rd_path_is_found_anywhere_in_an_item():
    url = MockUrl("mock://h/d/f?xrd_path=mock://h/d/&rd_path=mock://h/e/")
    assert url.all("rd_path") == ["mock://h/d/", "mock://h/e/"]


def test_numbers_are_read_like_atoll():
    assert (atoll("42abc"), atoll("abc"), atoll("-3"), atoll(None)) == (42, 0, -3, 0)
