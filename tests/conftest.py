"""Test-wide set-up: keep tests off the user's settings; give Qt what the 3D view needs."""

import os
import tempfile

# Settings (window geometry, recent files) go to a throw-away folder, never the user's.
_CONFIG = tempfile.mkdtemp(prefix="landscape-test-config-")
os.environ["XDG_CONFIG_HOME"] = _CONFIG
os.environ.setdefault("PYOPENGL_PLATFORM", "glx")

try:
    from PySide6.QtCore import QCoreApplication, Qt
except ImportError:  # the core tests run without Qt installed
    pass
else:
    # Must happen before pytest-qt creates the QApplication (see landscape_gui.qt.app).
    if QCoreApplication.instance() is None:
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
