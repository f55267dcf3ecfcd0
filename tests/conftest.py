"""Test-wide set-up: keep tests off the user's settings and logs; make the QApplication the way
the app does, so the 3D view talks to OpenGL through the window system Qt chose."""

import os
import sys
import tempfile

import pytest

# Settings (window geometry, recent files), the log and the start picture go to throw-away
# folders, never the
# user's.
_SCRATCH = tempfile.mkdtemp(prefix="landscape-test-home-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_SCRATCH, "config")
os.environ["XDG_STATE_HOME"] = os.path.join(_SCRATCH, "state")
os.environ["XDG_CACHE_HOME"] = os.path.join(_SCRATCH, "cache")
if sys.platform.startswith("linux"):
    # The windows open on pytest-xvfb's X server, not on a Wayland desktop the tests run from.
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")


@pytest.fixture(scope="session")
def qapp(qapp_args):
    """pytest-qt's application, made by the app's own create_application (the core tests run
    without Qt installed, so it is imported only when a test asks for a window)."""
    from landscape_gui.qt.app import create_application

    return create_application(qapp_args or None)
