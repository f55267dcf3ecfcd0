"""What the window needs before Qt is imported: a log file, a check for the system libraries Qt
loads, a way to tell the user when the window cannot start, and the user's own environment.

A double-clicked app has no terminal, so every failure is written to a log file in the
platform's usual place and shown in a dialog; when Qt itself cannot load, the dialog comes from
whatever the desktop offers (zenity, kdialog, xmessage). Imports nothing heavy: `landscape info`
and `landscape descend` import this module too.
"""

from __future__ import annotations

import ctypes
import logging
import logging.handlers
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

LOGGER_NAME = "landscape"
_LOG_BYTES, _LOG_BACKUPS = 1_000_000, 2

# The environment as the user started the program, before the frozen app's bootloader, its
# runtime hooks or create_application changed it: what programs the app starts must get.
_STARTED_WITH = dict(os.environ)


def log_path() -> Path:
    """Where the log goes: the platform's place for an application's logs."""
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
        return base / "Landscape" / "Logs" / "landscape.log"
    if sys.platform == "darwin":
        return home / "Library" / "Logs" / "Landscape" / "landscape.log"
    state = os.environ.get("XDG_STATE_HOME") or str(home / ".local" / "state")
    return Path(state) / "landscape" / "landscape.log"


def cache_folder() -> Path:
    """Where the app keeps what it can make again (the start picture): the platform's place
    for an application's caches."""
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
        return base / "Landscape" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "Landscape"
    return Path(os.environ.get("XDG_CACHE_HOME") or str(home / ".cache")) / "landscape"


def start_logging() -> Path | None:
    """Send the app's log to its file (rotated at 1 MB); None when the folder cannot be made,
    in which case the app runs on without a log."""
    logger = logging.getLogger(LOGGER_NAME)
    for handler in logger.handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            return Path(handler.baseFilename)
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=_LOG_BYTES, backupCount=_LOG_BACKUPS, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return path


def log() -> logging.Logger:
    return logging.getLogger(LOGGER_NAME)


@dataclass(frozen=True)
class SystemLibrary:
    soname: str
    debian: str  # Debian and Ubuntu package
    fedora: str  # Fedora package
    needed_for: str


# What Qt's libraries and its platform plugins load from the system rather than the wheel.
_ALWAYS = (
    SystemLibrary("libGL.so.1", "libgl1", "libglvnd-glx", "OpenGL"),
    SystemLibrary("libEGL.so.1", "libegl1", "libglvnd-egl", "OpenGL"),
    SystemLibrary("libfontconfig.so.1", "libfontconfig1", "fontconfig", "fonts"),
    SystemLibrary("libxkbcommon.so.0", "libxkbcommon0", "libxkbcommon", "the keyboard"),
    SystemLibrary("libdbus-1.so.3", "libdbus-1-3", "dbus-libs", "the desktop"),
)
_X11 = (
    SystemLibrary("libX11-xcb.so.1", "libx11-xcb1", "libX11-xcb", "X11"),
    SystemLibrary("libxcb-cursor.so.0", "libxcb-cursor0", "xcb-util-cursor", "X11"),
    SystemLibrary("libxcb-icccm.so.4", "libxcb-icccm4", "xcb-util-wm", "X11"),
    SystemLibrary("libxcb-image.so.0", "libxcb-image0", "xcb-util-image", "X11"),
    SystemLibrary("libxcb-keysyms.so.1", "libxcb-keysyms1", "xcb-util-keysyms", "X11"),
    SystemLibrary("libxcb-render-util.so.0", "libxcb-render-util0", "xcb-util-renderutil", "X11"),
    SystemLibrary("libxkbcommon-x11.so.0", "libxkbcommon-x11-0", "libxkbcommon-x11", "X11"),
)
_FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
_FONT_PACKAGES = SystemLibrary("(a font)", "fonts-dejavu-core", "dejavu-sans-fonts", "text")


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def _uses_x11(environ: dict[str, str]) -> bool:
    # Qt picks Wayland when WAYLAND_DISPLAY is set (falling back to X11), unless told otherwise.
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.startswith("xcb")
    return not environ.get("WAYLAND_DISPLAY")


def _has_fonts() -> bool:
    for folder in _FONT_FOLDERS:
        root = Path(folder).expanduser()
        if not root.is_dir():
            continue
        for _dirpath, _dirs, files in os.walk(root):
            if any(
                name.lower().endswith((".ttf", ".otf", ".ttc", ".pfb", ".pcf.gz")) for name in files
            ):
                return True
    return False


def missing_system_libraries(
    environ: dict[str, str] | None = None, loads=_loads, has_fonts=_has_fonts
) -> list[SystemLibrary]:
    """The system libraries (and fonts) the window needs that this Linux machine lacks."""
    if not sys.platform.startswith("linux"):
        return []
    environ = dict(os.environ) if environ is None else environ
    wanted = list(_ALWAYS) + (list(_X11) if _uses_x11(environ) else [])
    missing = [library for library in wanted if not loads(library.soname)]
    if not has_fonts():
        missing.append(_FONT_PACKAGES)
    return missing


def missing_libraries_message(missing: list[SystemLibrary]) -> str:
    """One paragraph a user can act on: what is missing and the command that installs it."""
    needs = sorted({library.needed_for for library in missing})
    debian = " ".join(dict.fromkeys(library.debian for library in missing))
    fedora = " ".join(dict.fromkeys(library.fedora for library in missing))
    return (
        f"Landscape cannot open its window: this system lacks libraries it needs for "
        f"{', '.join(needs)}.\n\nOn Debian or Ubuntu install them with:\n"
        f"    sudo apt install {debian}\n"
        f"On Fedora:\n    sudo dnf install {fedora}"
    )


def report_without_qt(title: str, message: str) -> None:
    """Tell the user when Qt cannot show a dialog: stderr, the log, and the desktop's own
    dialog tool when there is one."""
    path = start_logging()
    log().error("%s: %s", title, message)
    if path is not None:
        message = f"{message}\n\nA log is in {path}"
    if sys.stderr is not None:
        sys.stderr.write(f"landscape: {message}\n")
    environ = user_environment()
    for command in (
        ["zenity", "--error", "--no-markup", f"--title={title}", f"--text={message}"],
        ["kdialog", "--title", title, "--error", message],
        ["xmessage", "-center", f"{title}\n\n{message}"],
    ):
        if shutil.which(command[0], path=environ.get("PATH")):
            try:
                subprocess.run(command, env=environ, check=False, timeout=600)
            except (OSError, subprocess.SubprocessError):
                continue
            return


_LIBRARY_PATHS = ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "LIBPATH")
_BUNDLE_PATHS = ("QT_PLUGIN_PATH", "QML2_IMPORT_PATH")
# The variables the frozen app's bootloader, its runtime hooks or create_application change.
_CHANGED_FOR_THE_APP = (*_LIBRARY_PATHS, *_BUNDLE_PATHS, "PYOPENGL_PLATFORM")


def user_environment(
    current: dict[str, str] | None = None,
    started_with: dict[str, str] | None = None,
    frozen_folder: str | None = None,
) -> dict[str, str]:
    """The environment for the programs Landscape starts (a browser for a link, a file
    manager): the current one, but with the variables changed for the app itself as the user
    had them: no frozen app's library or plugin paths, which would make the system's programs
    load the bundle's libraries, and no PYOPENGL_PLATFORM unless the user set it."""
    environ = dict(os.environ if current is None else current)
    started_with = _STARTED_WITH if started_with is None else started_with
    frozen_folder = frozen_folder or getattr(sys, "_MEIPASS", None)
    for name in _CHANGED_FOR_THE_APP:
        environ.pop(name, None)
        environ.pop(f"{name}_ORIG", None)
        # PyInstaller's bootloader keeps the user's own library path in NAME_ORIG.
        original = started_with.get(f"{name}_ORIG", started_with.get(name))
        if original is None or (frozen_folder and frozen_folder in original):
            continue
        environ[name] = original
    return environ


def restore_user_environment() -> None:
    """Give the process back the user's environment once Qt and PyOpenGL have read what they
    needed at start-up (each reads it once), so every program started later gets it."""
    wanted = user_environment()
    for name in list(os.environ):
        if name not in wanted:
            del os.environ[name]
    for name, value in wanted.items():
        if os.environ.get(name) != value:
            os.environ[name] = value
