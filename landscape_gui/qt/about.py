"""Help > About: what this is, its version and licence, and the libraries (and versions) inside.

The library list doubles as the bundle's licence notice: the frozen app redistributes Qt and
PySide6 under the LGPL, and the others under permissive licences, which ask to be named.
"Copy versions" puts the same list on the clipboard for bug reports.
"""

from __future__ import annotations

import html
import importlib
import platform
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from landscape_gui import __version__

APP_NAME = "Landscape"
LICENCE = "MIT"
SUMMARY = (
    "See z = f(x, y) as a landscape: a 3D surface and a contour map, sliced to show the partial "
    "derivatives, with the gradient and gradient descent drawn on both."
)
ICON_PATH = Path(__file__).resolve().parent.parent / "resources" / "landscape.svg"


@dataclass(frozen=True)
class Library:
    name: str
    module: str  # imported to read its __version__
    distribution: str  # the installed package, for importlib.metadata when __version__ is absent
    licence: str
    url: str


LIBRARIES = (
    Library("PySide6", "PySide6", "PySide6_Essentials", "LGPL-3.0", "https://pyside.org"),
    Library("pyqtgraph", "pyqtgraph", "pyqtgraph", "MIT", "https://www.pyqtgraph.org"),
    Library("PyOpenGL", "OpenGL", "PyOpenGL", "BSD", "https://mcfletch.github.io/pyopengl/"),
    Library("NumPy", "numpy", "numpy", "BSD-3-Clause", "https://numpy.org"),
    Library("SymPy", "sympy", "sympy", "BSD-3-Clause", "https://www.sympy.org"),
    Library("mpmath", "mpmath", "mpmath", "BSD-3-Clause", "https://mpmath.org"),
    Library(
        "ContourPy", "contourpy", "contourpy", "BSD-3-Clause", "https://contourpy.readthedocs.io"
    ),
    Library("ziamath", "ziamath", "ziamath", "MIT", "https://ziamath.readthedocs.io"),
    Library("ziafont", "ziafont", "ziafont", "MIT", "https://ziafont.readthedocs.io"),
    Library(
        "latex2mathml",
        "latex2mathml",
        "latex2mathml",
        "MIT",
        "https://github.com/roniemartinez/latex2mathml",
    ),
)
# Not Python packages, but inside the app too.
OTHER_PARTS = (
    ("Qt", qVersion, "LGPL-3.0", "https://www.qt.io"),
    ("Python", platform.python_version, "PSF-2.0", "https://www.python.org"),
    ("STIX Two Math font", lambda: "", "OFL-1.1", "https://www.stixfonts.org"),
    ("DejaVu Sans font", lambda: "", "Bitstream-Vera", "https://dejavu-fonts.github.io"),
)


def library_version(library: Library) -> str:
    """The version of ``library`` as loaded here, or "not installed"."""
    try:
        with warnings.catch_warnings():
            # ziamath 0.13 loads its font with a deprecated importlib.resources call.
            warnings.simplefilter("ignore", DeprecationWarning)
            module = importlib.import_module(library.module)
    except ImportError:
        return "not installed"
    version = getattr(module, "__version__", None)
    if isinstance(version, str) and version:
        return version
    # Imported here, not with the module: the About box needs it, the window's start does not.
    from importlib import metadata

    try:
        return metadata.version(library.distribution)
    except metadata.PackageNotFoundError:  # a frozen bundle may not carry the metadata
        return "unknown"


def components() -> list[tuple[str, str, str, str]]:
    """(name, version, licence, url) of Qt, Python and every library the app uses."""
    rows = [(name, version(), licence, url) for name, version, licence, url in OTHER_PARTS]
    rows += [(lib.name, library_version(lib), lib.licence, lib.url) for lib in LIBRARIES]
    return rows


def runtime_description() -> str:
    """How this copy runs: a PyInstaller bundle or a Python installation, and on what."""
    how = "standalone app" if getattr(sys, "frozen", False) else f"Python at {sys.executable}"
    return f"{how}; {platform.system()} {platform.release()} ({platform.machine()})"


def about_text() -> str:
    """Plain text of everything the dialog says; what "Copy versions" copies."""
    lines = [f"{APP_NAME} {__version__} ({LICENCE} licence)", runtime_description(), ""]
    for name, version, licence, _url in components():
        lines.append(f"{name} {version}".rstrip() + f" ({licence})")
    return "\n".join(lines)


def app_icon() -> QIcon:
    """The app's icon, drawn from the SVG at whatever size is asked (QtSvg's icon engine)."""
    return QIcon(str(ICON_PATH))


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        self.setObjectName("aboutDialog")

        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(96, 96))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)

        rows = "".join(
            f"<tr><td><a href='{html.escape(url)}'>{html.escape(name)}</a></td>"
            f"<td>&nbsp;{html.escape(version)}&nbsp;</td><td>{html.escape(licence)}</td></tr>"
            for name, version, licence, url in components()
        )
        self.text = QLabel(
            f"<h2>{APP_NAME} {html.escape(__version__)}</h2>"
            f"<p>{html.escape(SUMMARY)}</p>"
            f"<p>Released under the {LICENCE} licence.<br>"
            f"<small>{html.escape(runtime_description())}</small></p>"
            f"<p>Made with these, each under its own licence:</p>"
            f"<table>{rows}</table>"
        )
        self.text.setObjectName("aboutText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setOpenExternalLinks(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.text.setMinimumWidth(440)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy versions")
        self.copy_button.setToolTip("Put these versions on the clipboard, for a bug report")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_versions)
        buttons.rejected.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(icon)
        top.addWidget(self.text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(buttons)

    def copy_versions(self) -> None:
        QGuiApplication.clipboard().setText(about_text())


def show_about(parent: QWidget | None = None) -> AboutDialog:
    """Open the About dialog (window-modal, non-blocking) and return it."""
    dialog = AboutDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
