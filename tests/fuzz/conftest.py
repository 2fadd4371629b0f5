"""The fuzz tests: the desk of the intake tests (both engines), and how many cases each runs.

Each target's cases come from `cases(ci=..., long=...)`: the CI-sized number by default, the
long one with INCIDENTDESK_FUZZ=long. Everything else (derandomised on CI, no deadline) is the
session's profile (tests/conftest.py). `--hypothesis-show-statistics` prints the counts."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from tests.intake.conftest import clock, desk  # noqa: F401  (the intake tests' desk)

FUZZ_ENV = "INCIDENTDESK_FUZZ"
LONG = os.environ.get(FUZZ_ENV, "").strip().lower() == "long"


def cases(*, ci: int, long: int) -> settings:
    """The settings of one fuzz target: `ci` cases, or `long` with INCIDENTDESK_FUZZ=long.
    A target shares its desk across cases (the desk only grows), so the function-scoped
    fixture check is off; database work has no deadline."""
    return settings(
        max_examples=long if LONG else ci,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
