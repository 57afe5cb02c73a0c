"""Peak memory of this process, for the benchmark scripts (imports nothing heavy, so a figure
taken before the work is not inflated)."""

import resource
import sys


def peak_rss_mb() -> float:
    """Peak resident set size in MB (getrusage: bytes on macOS, KiB on Linux)."""
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 2 ** 20 if sys.platform == "darwin" else r / 2 ** 10
