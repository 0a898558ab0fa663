"""One seed for every random number of the suite, so a failure can be
replayed: SAS_TEST_SEED=N reruns with seed N; without it a fresh seed is
drawn. The seed is in the report header and in each failure's report."""

import os
import random
import zlib

import numpy as np
import pytest

SEED = int(os.environ.get("SAS_TEST_SEED", random.SystemRandom().randrange(2**32)))


def pytest_report_header(config):
    return f"SAS_TEST_SEED={SEED}"


@pytest.fixture
def seed():
    return SEED


@pytest.fixture
def rng(request):
    """A generator for this test alone, from the suite's seed and the test's
    id: one test replays the same with or without the others."""
    return np.random.default_rng([SEED, zlib.crc32(request.node.nodeid.encode())])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        report.sections.append(
            ("random seed", f"replay with SAS_TEST_SEED={SEED}"))
