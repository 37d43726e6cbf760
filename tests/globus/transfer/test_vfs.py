"""The virtual filesystem: safe path normalisation, symlinks, permissions."""

from __future__ import annotations

import pytest

from mockglobus.transfer.vfs import FsError, User, View, Volume, checksum_of, normalise

ROOT = User("root", superuser=True)


def test_dot_dot_never_climbs_above_the_root():
    assert normalise("/../../etc/passwd", ()) == ("etc", "passwd")
    assert normalise("/a/b/../../..", ()) == ()


def test_tilde_forms_and_relative_paths_resolve_under_home():
    home = ("home", "alice")
    assert normalise("/~/data/x", home) == ("home", "alice", "data", "x")
    assert normalise("~/data", home) == ("home", "alice", "data")
    assert normalise("data/x", home) == ("home", "alice", "data", "x")
    assert normalise("/~", home) == home


@pytest.mark.parametrize("bad", ["", "/a\nb", "/a\rb", "/a\x00b"])
def test_paths_with_line_breaks_or_nul_are_invalid(bad):
    with pytest.raises(FsError) as caught:
        normalise(bad, ())
    assert caught.value.kind == FsError.INVALID_PATH


def test_a_view_cannot_escape_its_root_through_dot_dot_or_symlinks():
    volume = Volume()
    volume.put_file("/secret/key", b"k")
    volume.put_file("/share/pub/readme", b"r")
    volume.put_symlink("/share/pub/escape", "/secret/key")
    view = View(volume, ("share", "pub"))
    with pytest.raises(FsError) as caught:
        view.lookup(normalise("/../../secret/key", ()), ROOT)
    assert caught.value.kind == FsError.NOT_FOUND
    with pytest.raises(FsError):
        view.lookup(("escape",), ROOT)
    doc = view.file_doc("escape", view.lookup(("escape",), ROOT, follow_last=False).node, (), ROOT)
    assert doc["type"] == "invalid_symlink"


def test_symlink_inside_the_view_resolves_and_reports_link_fields():
    volume = Volume()
    volume.put_file("/d/real.txt", b"hello")
    volume.put_symlink("/d/link.txt", "real.txt")
    view = View(volume)
    found = view.lookup(("d", "link.txt"), ROOT, follow_last=False)
    doc = view.file_doc("link.txt", found.node, ("d",), ROOT)
    assert (doc["type"], doc["size"], doc["link_target"]) == ("file", 5, "/d/real.txt")


def test_permission_bits_decide_who_may_create():
    volume = Volume()
    volume.put_dir("/ro", user="root", mode=0o755)
    view = View(volume)
    with pytest.raises(FsError) as caught:
        view.mkdir(("ro", "x"), User("alice"), 0.0)
    assert caught.value.kind == FsError.PERMISSION
    view.mkdir(("ro", "x"), ROOT, 0.0)


def test_quota_refuses_writes_beyond_capacity():
    volume = Volume(quota_bytes=10)
    volume.put_file("/a", b"12345678")
    view = View(volume)
    source = volume.root.children["a"]
    with pytest.raises(FsError) as caught:
        view.write_file(("b",), source, ROOT, 0.0, text="/b")
    assert caught.value.kind == FsError.QUOTA


@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [
        ("MD5", "0bee89b07a248e27c83fc3d5951213c1"),
        ("SHA1", "03cfd743661f07975fa2f1220c5194cbaff48451"),
        ("ADLER32", "091e01de"),
        ("CRC32C", "e3069283"),
    ],
)
def test_checksums_are_the_real_algorithms(algorithm, expected):
    data = b"abc\n" if algorithm in ("MD5", "SHA1") else b"123456789"  # standard check values
    assert checksum_of(data, algorithm) == expected
