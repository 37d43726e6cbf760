"""VO shares and activity shares decide who runs next on a busy link, as the FTS3
scheduler (``VoShares.cpp``, ``MySqlAPI::getFilesNumPerActivity``) does; a VO without a
share on a link that has shares is failed (``failUnschedulable``)."""

from __future__ import annotations

from collections import Counter

import pytest

from mockfts import FtsDouble
from mockfts.model import states as S
from mockfts.model.daemon import NO_SHARE

SRC, DST = "mock://src.example", "mock://dst.example"


def _busy(seed: int) -> FtsDouble:
    """A double whose one link runs one transfer at a time."""
    double = FtsDouble(seed=seed)
    double.state.ops.config.set_link(
        double.root(),
        {
            "symbolicname": "busy",
            "source": SRC,
            "destination": DST,
            "min_active": 1,
            "max_active": 1,
        },
    )
    return double


@pytest.fixture
def fts():
    return _busy(7)


def _user(fts: FtsDouble, vo: str):
    return fts.certificate_user(f"/DC=org/CN={vo}-user", [f"/{vo}/Role=NULL"])


def _submit(fts: FtsDouble, vo: str, files: int, activity: str = "default"):
    body = {
        "files": [
            {
                "sources": [f"{SRC}/{vo}/{activity}/{n}?size=1"],
                "destinations": [f"{DST}/{vo}/{activity}/{n}?size_post=1&time=10"],
                "activity": activity,
            }
            for n in range(files)
        ]
    }
    return fts.state.submit(body, _user(fts, vo))


def _starts(fts: FtsDouble, count: int) -> list:
    """The files that went ACTIVE, in order, over ``count`` transfers of 10 s each."""
    seen: list = []
    for _ in range(count * 11 + 10):
        fts.advance(1)
        for job in fts.state.jobs.values():
            for f in job.files:
                if f.start_time is not None and f not in seen:
                    seen.append(f)
        if len(seen) >= count:
            break
    return seen[:count]


def _share(fts: FtsDouble, vo: str, share: int) -> None:
    fts.state.ops.config.set_share(
        fts.root(), {"source": SRC, "destination": DST, "vo": vo, "share": share}
    )


def test_without_shares_every_vo_on_a_busy_link_weighs_the_same(fts):
    """No share rows for the link: each VO weighs 1 (not first come, first served)."""
    _submit(fts, "atlas", 12)
    _submit(fts, "dteam", 12)
    counts = Counter(f.vo_name for f in _starts(fts, 12))
    assert counts["dteam"] >= 3 and counts["atlas"] >= 3, counts


def test_one_vo_keeps_its_order_by_priority_then_arrival(fts):
    _submit(fts, "dteam", 4)
    first = _starts(fts, 4)
    assert [f.file_id for f in first] == sorted(f.file_id for f in first)


def test_vo_shares_weigh_which_vo_runs_next_on_a_busy_link(fts):
    _share(fts, "dteam", 9)
    _share(fts, "atlas", 1)
    _submit(fts, "atlas", 12)  # atlas queued first: without shares it would run first
    _submit(fts, "dteam", 12)
    counts = Counter(f.vo_name for f in _starts(fts, 12))
    assert counts["dteam"] >= 8, counts


def test_a_vo_without_a_share_on_a_link_with_shares_is_failed_without_retry(fts):
    _share(fts, "dteam", 1)
    job = fts.state.submit(
        {
            "files": [{"sources": [f"{SRC}/a?size=1"], "destinations": [f"{DST}/a?size_post=1"]}],
            "params": {"retry": 3},
        },
        _user(fts, "atlas"),
    )
    fts.advance(5)
    [file] = job.files
    assert file.file_state == S.FAILED and file.reason == NO_SHARE and not file.retries
    assert job.job_state == S.FAILED


def test_the_public_share_lets_vos_without_their_own_row_run(fts):
    _share(fts, "dteam", 1)
    _share(fts, "public", 1)
    job = _submit(fts, "atlas", 1)
    assert fts.run_job(job.job_id).job_state == S.FINISHED


def test_shares_on_another_link_do_not_touch_this_one(fts):
    fts.state.ops.config.set_share(
        fts.root(),
        {"source": "mock://elsewhere.example", "destination": DST, "vo": "dteam", "share": 1},
    )
    job = _submit(fts, "atlas", 1)
    assert fts.run_job(job.job_id).job_state == S.FINISHED


def test_activity_shares_weigh_which_activity_runs_next(fts):
    root = fts.root()
    fts.state.ops.config.set_activity_share(
        root, {"vo": "dteam", "share": [{"express": 9}, {"default": 1}], "active": True}
    )
    _submit(fts, "dteam", 12, "bulk")  # unconfigured: counts as default
    _submit(fts, "dteam", 12, "Express")  # names compare lower-cased
    counts = Counter(f.activity for f in _starts(fts, 12))
    assert counts["Express"] >= 8, counts


def test_an_inactive_activity_share_is_ignored(fts):
    fts.state.ops.config.set_activity_share(
        fts.root(), {"vo": "dteam", "share": [{"express": 9}, {"default": 1}], "active": False}
    )
    _submit(fts, "dteam", 6, "bulk")
    _submit(fts, "dteam", 6, "express")
    assert [f.activity for f in _starts(fts, 6)] == ["bulk"] * 6


def test_the_same_seed_makes_the_same_choices():
    def run() -> list[str]:
        double = _busy(3)
        for vo in ("dteam", "atlas"):
            _share(double, vo, 1)
        _submit(double, "atlas", 8)
        _submit(double, "dteam", 8)
        return [f.vo_name for f in _starts(double, 10)]

    first = run()
    assert run() == first and set(first) == {"atlas", "dteam"}
