"""Long runs as jobs: queued on a small thread pool, progress recorded as events (streamed to
the client as server-sent events), cancellable between progress reports (strategy rounds).

A job that is cancelled before it starts never runs; one cancelled while running stops at its
next progress report, and nothing is stored. A plain solve reports no progress, so it runs to
the end (it takes well under a second on the shipped datasets)."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from tradewar.errors import TradewarError
from tradewar.store.base import StoreUnavailable

TERMINAL = ("done", "failed", "cancelled")


class JobCancelled(Exception):
    """Raised inside a job's progress callback once the job is cancelled."""


class JobNotFound(TradewarError):
    def __init__(self, job_id: str):
        self.field = "id"
        super().__init__(f"job {job_id!r}: not found")


class Job:
    def __init__(self, name: str):
        self.id = uuid.uuid4().hex
        self.name = name
        self.state = "queued"
        self.created = time.time()
        self.events: list[dict] = []
        self.run_id: str | None = None
        self.error: dict | None = None
        self.cancel_requested = threading.Event()
        self._lock = threading.Lock()

    def emit(self, kind: str, **info) -> None:
        with self._lock:
            self.events.append({"seq": len(self.events), "event": kind, "t": round(time.time() - self.created, 3),
                                **info})

    def finish(self, state: str, **info) -> None:
        """The last event, then the terminal state (a reader that sees the state has the event)."""
        self.emit(state, **info)
        self.state = state

    def check_cancelled(self) -> None:
        """Raise :class:`JobCancelled` once the job is cancelled (called between its steps)."""
        if self.cancel_requested.is_set():
            raise JobCancelled()

    def events_from(self, start: int) -> list[dict]:
        with self._lock:
            return list(self.events[start:])

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "state": self.state, "run_id": self.run_id,
                "error": self.error, "events": len(self.events)}


class JobManager:
    """Runs jobs on ``workers`` threads; at most ``max_pending`` jobs queued or running."""

    def __init__(self, workers: int, max_pending: int, slots: threading.Semaphore | None = None):
        """``slots``: the server's run slots, shared with its other runs, so that jobs and direct
        runs together never solve more than the slots allow (a job waits for one)."""
        self.max_pending = max_pending
        self._slots = slots
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="tradewar-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def active(self) -> int:
        with self._lock:
            return sum(j.state not in TERMINAL for j in self._jobs.values())

    def submit(self, name: str, work) -> Job | None:
        """Queue ``work(job, progress)`` (returns a run id); None when the queue is full."""
        job = Job(name)
        with self._lock:
            if sum(j.state not in TERMINAL for j in self._jobs.values()) >= self.max_pending:
                return None
            self._jobs[job.id] = job
        job.emit("queued")
        self._pool.submit(self._run, job, work)
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise JobNotFound(job_id)
        return job

    def list(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def cancel(self, job_id: str) -> Job:
        job = self.get(job_id)
        if job.state not in TERMINAL:
            job.cancel_requested.set()
            job.emit("cancel_requested")
        return job

    def _run(self, job: Job, work) -> None:
        if job.cancel_requested.is_set():
            job.finish("cancelled")
            return
        job.state = "running"
        job.emit("started")

        def progress(label, rnd):
            info = {"label": str(label)}
            for key in ("round", "max_change", "seconds", "done", "total"):
                value = getattr(rnd, key, None)
                if isinstance(value, (int, float)):
                    info[key] = value
            job.emit("progress", **info)
            job.check_cancelled()

        try:
            if self._slots is None:
                job.run_id = work(job, progress)
            else:
                with self._slots:
                    job.check_cancelled()
                    job.run_id = work(job, progress)
        except JobCancelled:
            job.finish("cancelled")
        except (TradewarError, StoreUnavailable) as exc:   # bad input, or the store is down (retry later)
            job.error = {"field": getattr(exc, "field", None), "message": str(exc)}
            job.finish("failed", **job.error)
        except Exception as exc:  # a defect, not bad input: report it without the traceback
            job.error = {"field": None, "message": f"internal error ({exc.__class__.__name__})"}
            job.finish("failed", **job.error)
        else:
            job.finish("done", run_id=job.run_id)

    def shutdown(self) -> None:
        for job in self.list():
            job.cancel_requested.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
