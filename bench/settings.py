"""The portal's own settings, plus the bench's reference page and private folders.

Everything production-like (Postgres, Redis, debug off) still comes from the environment
that `bench.run` sets; this module only adds what must not exist in the product.
"""

from __future__ import annotations

import os
from pathlib import Path

from portal.settings import *  # noqa: F403

# The reference page of P1/P1b lives beside the product's URLs, never inside them.
ROOT_URLCONF = "bench.urls"

# collectstatic writes the manifest here, not into the checkout other engineers use.
if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
