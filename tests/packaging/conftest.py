"""The frozen-app measurements (build time, bundle size, start-up) are the report: show them."""

import pytest

TIMINGS = pytest.StashKey[dict]()


@pytest.fixture(scope="session")
def timings(request) -> dict[str, float]:
    """Measurements by name; printed in the terminal summary at the end of the run."""
    return request.config.stash.setdefault(TIMINGS, {})


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    measured = config.stash.get(TIMINGS, {})
    if measured:
        terminalreporter.section("frozen app")
        for name, value in measured.items():
            terminalreporter.write_line(f"{name}: {value:.2f}")
