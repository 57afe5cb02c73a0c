"""Monte Carlo on a Dask cluster of separate worker processes (loopback): same results as
in-process, also when a task fails once (retried, ``retries=``) or its worker is killed
(rescheduled on a restarted worker); tasks that keep failing become failed draws."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import cloudpickle
import distributed
import numpy as np
import pandas as pd
import pytest

from tradewar import montecarlo
from tradewar.montecarlo import run_mc
from tradewar.run import load_scenario
from tradewar.scenario import Uncertainty

REAL_SOLVE_BATCH = montecarlo.solve_batch
# the fault-injecting wrapper below travels to the workers by value (they cannot import tests/)
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def b1_uncertain():
    s = load_scenario("ignatenko2025/B1_ustr")
    return s.model_copy(update={"uncertainty": {
        "trade_elasticity": Uncertainty(dist="normal", mean=4, sd=0.5, low=1, high=10),
        "labour_supply_elasticity": Uncertainty(dist="uniform", low=0.3, high=0.7)}})


def faulty_solve_batch(world, scenario, ids, params, warm=True, *, marker: str, mode: str):
    """The real batch solve, except that the first batch to run fails once (``mode`` "raise":
    an exception, "kill": its worker process dies) or every time ("always")."""
    try:                         # atomic: exactly one batch is the first, even when two start at once
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        first = True
    except FileExistsError:
        first = False
    if first or mode == "always":
        if not first:
            Path(marker).write_text(str(os.getpid()))
        if mode == "kill":
            os._exit(1)
        raise OSError(f"injected failure in pid {os.getpid()}")
    return REAL_SOLVE_BATCH(world, scenario, ids, params, warm)


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None, worker_class=distributed.Nanny) as cluster, \
            distributed.Client(cluster, timeout="60s") as client:
        yield client


@pytest.fixture(scope="module")
def local():
    return run_mc(b1_uncertain(), 40, seed=11, batch_size=10)


def test_dask_cluster_gives_identical_results(client, local):
    seen = []
    remote = run_mc(b1_uncertain(), 40, seed=11, batch_size=10, client=client,
                    progress=lambda done, total: seen.append(done))
    pids = set(client.run(lambda: __import__("os").getpid()).values())
    assert len(pids) == 2 and os.getpid() not in pids                     # separate processes
    assert seen[-1] == 40 and remote.info["workers"] == 2
    pd.testing.assert_frame_equal(remote.parameters, local.parameters)
    pd.testing.assert_frame_equal(remote.draws, local.draws)              # bit-identical
    pd.testing.assert_frame_equal(remote.summary, local.summary)
    assert np.isfinite(remote.draws["welfare"]).all()


@pytest.mark.parametrize("mode", ["raise", "kill"])
def test_a_failed_task_is_retried_with_identical_results(client, local, monkeypatch, tmp_path, mode):
    marker = tmp_path / f"failed-{mode}"
    monkeypatch.setattr(montecarlo, "solve_batch", functools.partial(faulty_solve_batch, marker=str(marker),
                                                                     mode=mode))
    before = set(client.run(os.getpid).values())
    remote = run_mc(b1_uncertain(), 40, seed=11, batch_size=10, client=client, retries=2)
    assert marker.exists()                                   # the fault did happen, on a worker
    assert int(marker.read_text()) in before
    assert remote.failed.empty and remote.n_ok == 40
    pd.testing.assert_frame_equal(remote.draws, local.draws)
    pd.testing.assert_frame_equal(remote.summary, local.summary)
    if mode == "kill":                                       # the nanny restarted the killed worker
        client.wait_for_workers(2, timeout=60)
        assert int(marker.read_text()) not in set(client.run(os.getpid).values())


def test_a_task_failing_on_every_retry_is_reported_as_failed_draws(client, monkeypatch, tmp_path):
    marker = tmp_path / "always"
    monkeypatch.setattr(montecarlo, "solve_batch", functools.partial(faulty_solve_batch, marker=str(marker),
                                                                     mode="always"))
    remote = run_mc(b1_uncertain(), 20, seed=11, batch_size=10, client=client, retries=1)
    assert len(remote.failed) == 20 and remote.n_ok == 0                  # reported, not dropped
    assert remote.failed["error"].str.contains("task failed after 1 retries").all()
    assert remote.failed["error"].str.contains("injected failure").all()
