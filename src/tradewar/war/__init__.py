"""The US–China trade war of 2018–2020: tariff schedules by date, scenarios from the war's
state at any date, and the timeline run step by step (see :mod:`tradewar.war.api`).

Import the public API from here::

    from tradewar.war import war, averages, rates, tariff, scenario_at, run_timeline
"""

from __future__ import annotations

__all__ = ["war", "averages", "rates", "tariff", "scenario_at", "run_timeline", "resolve_date", "events"]


def __getattr__(name):  # lazy: the registry imports tradewar.war.data at start-up
    if name in __all__:
        from tradewar.war import api

        return getattr(api, name)
    raise AttributeError(name)
