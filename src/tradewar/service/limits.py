"""The service's limits, in one place for the app and the `tradewar serve` command (this module
imports nothing, so the command line stays light)."""

MAX_BODY = 1_000_000        # bytes of any request body
MAX_SCENARIO = 200_000      # bytes of one scenario
MAX_JOBS = 2                # runs solved at once (direct runs, replications and jobs share them)
MAX_PENDING = 8             # jobs queued or running
MAX_DRAWS = 10_000          # Monte Carlo draws of one job
MAX_QUEUE = 64              # `tradewar serve`: direct runs waiting for a slot; beyond that 429
QUEUE_TIMEOUT = 30.0        # seconds a queued run waits for a slot before its 429
