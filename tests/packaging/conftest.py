"""The built bundle the frozen tests share, and its measurements (build time, size, start-up),
which are the report: they are printed at the end of the run.

The bundle is built once per test session (about 1.5 to 3 minutes) into a temporary folder;
PyInstaller's scratch folder stays in build/pyinstaller-test so a second session is quicker.
Set LANDSCAPE_FROZEN_DIST to a dist folder that packaging/build.py already filled to test that
bundle instead (CI builds once, then tests what it will upload).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.packaging.support import ROOT, load_packaging_module

build = load_packaging_module("build")

TIMINGS = pytest.StashKey[dict]()


@pytest.fixture(scope="session")
def timings(request) -> dict[str, float]:
    """Measurements by name; printed in the terminal summary at the end of the run."""
    return request.config.stash.setdefault(TIMINGS, {})


@pytest.fixture(scope="session")
def bundle(tmp_path_factory, timings):
    reuse = os.environ.get("LANDSCAPE_FROZEN_DIST")
    if reuse:
        found = build.bundle_paths(Path(reuse).resolve())
        archives = sorted(Path(reuse).glob(f"landscape-{build.version()}-*"))
        found.archive = archives[0] if archives else None
        assert found.gui.exists(), f"LANDSCAPE_FROZEN_DIST={reuse} holds no bundle"
        return found
    dist = tmp_path_factory.mktemp("frozen-dist")
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "packaging" / "build.py"),
            "--dist",
            str(dist),
            "--work",
            str(ROOT / "build" / "pyinstaller-test"),
        ],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    timings["build (icons + PyInstaller + archive)"] = time.monotonic() - started
    assert done.returncode == 0, f"build failed:\n{done.stdout}\n{done.stderr[-6000:]}"
    found = build.bundle_paths(dist)
    archives = sorted(dist.glob(f"landscape-{build.version()}-*"))
    assert len(archives) == 1, f"expected one archive in {dist}, found {archives}"
    found.archive = archives[0]
    return found


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    measured = config.stash.get(TIMINGS, {})
    if measured:
        terminalreporter.section("frozen app")
        for name, value in measured.items():
            terminalreporter.write_line(f"{name}: {value:.2f}")
