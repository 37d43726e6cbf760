"""Read-only views over the live tables, and the operator's force-start.

* ``GET /snapshot`` (legacy REST only; dropped in January 2017, FTS-792). Shape and
  counters as the 2014 fts-rest ``controllers/snapshot.py`` that the seed document
  shows: one entry per (vo, source_se, dest_se) pair with ``active``, ``submitted``,
  ``finished``, ``failed`` (files of that pair and VO that are unfinished or finished
  within the last hour), ``avg_duration`` (mean ``tx_duration`` of the finished),
  ``avg_throughput`` (mean non-null throughput of the finished), ``avg_queued`` (mean
  seconds between job submission and transfer start of the started, unfinished files),
  ``success_ratio`` (finished / (finished + failed)), ``frequent_error`` (``{count,
  reason}`` of the commonest failure reason), ``max_active`` and ``limits``. The real
  server read ``max_active`` from the optimizer's decision and ``limits`` from its
  throughput limits; the double takes the current optimizer row (``/optimizer/current``)
  if any, else the ``max_active`` of the most specific ``/config/links`` entry, else
  null; and ``limits`` from the storages' configured throughputs (``/config/se``).
  Pairs are those of the files counted (the 2014 code listed pairs of unfinished jobs
  only, so a pair vanished the moment its last job finished). The commonest reason is
  counted over all failures (the real code counted consecutive runs only).
* ``GET /status/hosts``: files ``STARTED`` per ``staging_host`` and ``ACTIVE`` per
  ``transfer_host`` (``serverstatus.py``).
* ``GET /files`` (``files.py``): file rows of the caller's (forced) VO, filtered by
  state, storages and ``dest_surl``; at most 1000 (``limit`` is ignored by the real
  server, which reads a non-existent attribute). Without ``time_window`` only files
  with no ``finish_time``. The double lists files of unfinished jobs only (the real
  query also returns leftovers such as the ``NOT_USED`` rows of finished replica jobs).
* ``GET /autocomplete/*`` (``autocomplete.py``): prefixes over credential DNs, link
  sources and destinations, and job VOs, with the real default terms (``/DC=cern.ch``
  for DNs, ``srm://`` for the rest, including VOs).
* ``POST /admin/force-start`` (``admin.py``): ``SUBMITTED`` files go ``FORCE_START``;
  the double's daemon starts them after its ``start_delay``, ahead of the queue.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from mockcore.locking import locked, settled
from mockfts.model import states as S
from mockfts.model.records import File, Job
from mockfts.model.submission import storage_of

if TYPE_CHECKING:
    from mockfts.model.ops.configuration import Configuration
    from mockfts.model.ops.optimizer import Optimizer
    from mockfts.model.store import FtsState

SNAPSHOT_WINDOW = 3600.0
FILES_LIMIT = 1000


def _mean(values: list) -> float | None:
    return sum(values) / float(len(values)) if values else None


class Overview:
    def __init__(self, state: FtsState, config: Configuration, optimizer: Optimizer) -> None:
        self.state = state
        self.config = config
        self.optimizer = optimizer

    def _recent_jobs(self, window: float) -> list[Job]:
        """Unfinished jobs and jobs finished within ``window`` seconds (indexed)."""
        state = self.state
        return state.jobs_finished_since(state.clock.time() - window)

    # --- snapshot ----------------------------------------------------------------------

    @settled
    def snapshot(
        self, vo: str | None = None, source: str | None = None, dest: str | None = None
    ) -> list[dict[str, Any]]:
        pairs: dict[tuple[str, str, str], list[tuple[Job, File]]] = {}
        for job in self._recent_jobs(SNAPSHOT_WINDOW):
            for file in job.files:
                if (
                    (vo and file.vo_name != vo)
                    or (source and file.source_se != source)
                    or (dest and file.dest_se != dest)
                ):
                    continue
                pairs.setdefault((file.vo_name, file.source_se, file.dest_se), []).append(
                    (job, file)
                )
        return [self._pair(key, rows) for key, rows in sorted(pairs.items())]

    def _pair(self, key: tuple[str, str, str], rows: list[tuple[Job, File]]) -> dict[str, Any]:
        vo, source, dest = key
        files = [f for _, f in rows]
        finished = [f for f in files if f.file_state == S.FINISHED]
        failed = [f for f in files if f.file_state == S.FAILED]
        queued = [
            f.start_time - job.submit_time
            for job, f in rows
            if job.job_finished is None and f.start_time is not None
        ]
        reasons = Counter(f.reason for f in failed).most_common(1)
        done = len(finished) + len(failed)
        max_active = self.optimizer.active_for(source, dest)
        if max_active is None:
            max_active = self.config.link_limit(source, dest)
        return {
            "vo_name": vo,
            "source_se": source,
            "dest_se": dest,
            "max_active": max_active,
            "active": sum(1 for f in files if f.file_state == S.ACTIVE),
            "submitted": sum(1 for f in files if f.file_state == S.SUBMITTED),
            "avg_duration": _mean([f.tx_duration for f in finished if f.tx_duration is not None]),
            "avg_queued": _mean(queued),
            "success_ratio": len(finished) / float(done) if done else None,
            "finished": len(finished),
            "failed": len(failed),
            "avg_throughput": _mean([f.throughput for f in finished if f.throughput]),
            "frequent_error": {"count": reasons[0][1], "reason": reasons[0][0]}
            if reasons
            else None,
            "limits": self.config.throughput_limits(source, dest),
        }

    # --- hosts ---------------------------------------------------------------------------

    @settled
    def hosts_activity(self) -> dict[str, dict[str, int]]:
        staging: Counter = Counter()
        active: Counter = Counter()
        for file in self.state.index.live_files(None, (S.STARTED, S.ACTIVE)):
            if file.file_state == S.STARTED:
                staging[file.staging_host] += 1
            else:
                active[file.transfer_host] += 1
        result: dict[str, dict[str, int]] = {}
        for host, count in staging.items():
            result[host] = {"staging": count}
        for host, count in active.items():
            result.setdefault(host, {})["active"] = count
        return result

    # --- files ---------------------------------------------------------------------------

    def files(
        self,
        vo: str | None = None,
        state_in: list[str] | None = None,
        source: str | None = None,
        dest: str | None = None,
        dest_surl: str | None = None,
    ) -> list[File]:
        if dest is None and dest_surl is not None:
            dest = storage_of(dest_surl)
        return self._files(vo, state_in, source, dest, dest_surl)

    @settled  # after reading dest_surl, which may be refused
    def _files(
        self,
        vo: str | None,
        state_in: list[str] | None,
        source: str | None,
        dest: str | None,
        dest_surl: str | None,
    ) -> list[File]:
        def keep(file: File) -> bool:
            return not (
                file.finish_time is not None
                or (source and file.source_se != source)
                or (dest and file.dest_se != dest)
                or (dest_surl and file.dest_surl != dest_surl)
            )

        # files of unfinished jobs from the (VO, state) index, lowest ids (oldest) first
        return self.state.index.first_live_files(FILES_LIMIT, vo or None, state_in or None, keep)

    # --- autocomplete --------------------------------------------------------------------

    @locked
    def credential_dns(self, term: str) -> list[str]:
        registry = self.state.delegations
        records: Any = getattr(registry, "records", registry)  # registry or plain dict
        return sorted({r.dn for r in records.values() if r.dn.startswith(term)})

    @locked
    def link_ends(self, term: str, which: str) -> list[str]:
        ends = set()
        for link in self.config.links.values():
            for side in ("source", "destination") if which == "storage" else (which,):
                value = getattr(link, side)
                if value.startswith(term):
                    ends.add(value)
        return sorted(ends)

    @locked
    def vos(self, term: str) -> list[str]:
        return sorted(vo for vo in self.state.index.by_vo if vo.startswith(term))

    # --- force start ---------------------------------------------------------------------

    @settled
    def force_start(self, file_ids: list[int]) -> list[dict]:
        now = self.state.clock.time()
        messages = []
        for file_id in file_ids:
            file = self.state.file(file_id)
            if file is None:
                messages.append({"file_id": file_id, "error": "File does not exist"})
                continue
            if file.file_state != S.SUBMITTED:
                messages.append({"file_id": file_id, "error": "File is not in SUBMITTED state"})
                continue
            self.state.lifecycle.set_file_state(file, S.FORCE_START)
            self.state.daemon.resume(self.state.jobs[file.job_id], file, now)
        return messages
