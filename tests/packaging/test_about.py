"""Help > About: the version, the licence, and the real versions of what the app is made of."""

from __future__ import annotations

import sys

import numpy
import OpenGL
import pyqtgraph
import PySide6
import sympy
from PySide6.QtCore import qVersion
from PySide6.QtGui import QGuiApplication

from landscape_gui import __version__
from landscape_gui.qt import about


def test_about_dialog_names_version_licence_and_libraries(qtbot):
    dialog = about.show_about(None)
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    text = dialog.text.text()
    assert f"Landscape {__version__}" in text
    assert "MIT licence" in text
    # Each version as the library itself reports it.
    for name, version in [
        ("PySide6", PySide6.__version__),
        ("pyqtgraph", pyqtgraph.__version__),
        ("PyOpenGL", OpenGL.__version__),
        ("NumPy", numpy.__version__),
        ("SymPy", sympy.__version__),
        ("Qt", qVersion()),
        ("Python", "{}.{}.{}".format(*sys.version_info[:3])),
    ]:
        assert f">{name}</a></td><td>&nbsp;{version}&nbsp;" in text, name
    assert ">LGPL-3.0<" in text  # Qt's licence is named: the bundle redistributes Qt


def test_copy_versions_puts_the_list_on_the_clipboard(qtbot):
    dialog = about.AboutDialog()
    qtbot.addWidget(dialog)
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert copied.splitlines()[0] == f"Landscape {__version__} (MIT licence)"
    assert f"NumPy {numpy.__version__} (BSD-3-Clause)" in copied.splitlines()


def test_app_icon_draws_at_small_and_large_sizes(qtbot):
    icon = about.app_icon()
    assert not icon.isNull()
    for size in (16, 256):
        image = icon.pixmap(size, size).toImage()
        assert image.width() == size
        # Transparent rounded corner, opaque middle: the SVG was drawn, not a blank square.
        assert image.pixelColor(0, 0).alpha() == 0
        assert image.pixelColor(size // 2, size // 2).alpha() == 255
