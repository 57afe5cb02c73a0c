"""Monte Carlo on a Dask cluster of separate worker processes (loopback): same results as in-process."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

from tradewar.montecarlo import run_mc
from tradewar.run import load_scenario
from tradewar.scenario import Uncertainty


def test_dask_cluster_gives_identical_results():
    s = load_scenario("ignatenko2025/B1_ustr")
    s = s.model_copy(update={"uncertainty": {
        "trade_elasticity": Uncertainty(dist="normal", mean=4, sd=0.5, low=1, high=10),
        "labour_supply_elasticity": Uncertainty(dist="uniform", low=0.3, high=0.7)}})
    local = run_mc(s, 40, seed=11, batch_size=10)
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None, worker_class=distributed.Nanny) as cluster, \
            distributed.Client(cluster, timeout="60s") as client:
        seen = []
        remote = run_mc(s, 40, seed=11, batch_size=10, client=client,
                        progress=lambda done, total: seen.append(done))
        pids = set(client.run(lambda: __import__("os").getpid()).values())
    assert len(pids) == 2 and __import__("os").getpid() not in pids       # separate processes
    assert seen[-1] == 40 and remote.info["workers"] == 2
    pd.testing.assert_frame_equal(remote.parameters, local.parameters)
    pd.testing.assert_frame_equal(remote.draws, local.draws)              # bit-identical
    pd.testing.assert_frame_equal(remote.summary, local.summary)
    assert np.isfinite(remote.draws["welfare"]).all()
