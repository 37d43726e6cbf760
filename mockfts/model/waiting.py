"""Files waiting for a slot on a busy link, kept so that choosing the next one costs
what the choice looks at, not how many files wait.

Per link, one queue per (VO, activity, job priority), each in arrival order: the
scheduler draws a VO, then an activity, then takes the highest priority and, within
it, the oldest (:meth:`mockfts.model.daemon.Daemon._choose_from`). An entry stays
alive while it is the file's registered one (:attr:`Waiting._entry_of`); a file that
left the queue otherwise (canceled, force-started) leaves a dead entry behind, dropped
when it reaches the front.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from mockfts.model.records import File, Job

Link = tuple[str, str]
Key = tuple[str, str, int]  # (VO, activity as submitted, job priority)


@dataclass(eq=False, slots=True)
class Entry:
    arrival: int
    job: Job
    file: File
    key: Key


@dataclass(slots=True)
class LinkQueue:
    buckets: dict[Key, deque[Entry]] = field(default_factory=dict)


class Waiting:
    def __init__(self) -> None:
        self._links: dict[Link, LinkQueue] = {}
        self._entry_of: dict[int, Entry] = {}  # file id -> its live entry
        self._arrivals = itertools.count()

    def __bool__(self) -> bool:
        return bool(self._entry_of)

    def add(self, job: Job, file: File) -> None:
        key = (file.vo_name, file.activity or "", job.priority)
        entry = Entry(next(self._arrivals), job, file, key)
        self._entry_of[file.file_id] = entry
        link = self._links.get((file.source_se, file.dest_se))
        if link is None:
            link = self._links[(file.source_se, file.dest_se)] = LinkQueue()
        link.buckets.setdefault(key, deque()).append(entry)

    def discard(self, file: File) -> None:
        """The file no longer waits (it starts, or left the queue): its entry dies."""
        self._entry_of.pop(file.file_id, None)

    def reprioritise(self, job: Job) -> None:
        """A job's priority changed: its waiting files move to their new queues."""
        for file in job.files:
            entry = self._entry_of.get(file.file_id)
            if entry is not None and entry.key[2] != job.priority:
                self.discard(file)
                self.add(job, file)  # a new arrival, as a changed row is read anew

    def links(self) -> Iterator[tuple[Link, int, File]]:
        """Each link with a live waiting file: (link, its oldest arrival, one of its
        files); dead entries at the fronts are dropped on the way."""
        for name, link in list(self._links.items()):
            oldest = None
            for key, bucket in list(link.buckets.items()):
                front = self._front(bucket)
                if front is None:
                    del link.buckets[key]
                elif oldest is None or front.arrival < oldest.arrival:
                    oldest = front
            if oldest is None:
                del self._links[name]
            else:
                yield name, oldest.arrival, oldest.file

    def buckets(self, link: Link) -> dict[Key, deque[Entry]]:
        """The live queues of a link (fronts alive, as :meth:`links` left them)."""
        return self._links[link].buckets

    def take(self, link: Link, key: Key) -> Entry:
        """The front of one queue, which leaves the queue."""
        bucket = self._links[link].buckets[key]
        entry = bucket.popleft()
        self.discard(entry.file)
        if not bucket or self._front(bucket) is None:
            del self._links[link].buckets[key]
        return entry

    def _front(self, bucket: deque[Entry]) -> Entry | None:
        while bucket and self._entry_of.get(bucket[0].file.file_id) is not bucket[0]:
            bucket.popleft()
        return bucket[0] if bucket else None
