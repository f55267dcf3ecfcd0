"""Start-up without a terminal: the log file, the system-library check, the message shown when
Qt cannot load, and the environment handed to programs the app starts."""

from __future__ import annotations

import logging
import os
import stat
import sys

import pytest

from landscape_gui import startup

BUNDLE = "/opt/landscape/_internal"


def test_log_goes_to_the_platforms_state_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert startup.log_path() == tmp_path / "state" / "landscape" / "landscape.log"
    monkeypatch.setattr(sys, "platform", "darwin")
    assert startup.log_path().parts[-4:] == ("Library", "Logs", "Landscape", "landscape.log")
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert startup.log_path() == tmp_path / "local" / "Landscape" / "Logs" / "landscape.log"


@pytest.fixture
def fresh_logger(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    logger = logging.getLogger(startup.LOGGER_NAME)
    before = list(logger.handlers)
    for handler in before:
        logger.removeHandler(handler)
    yield logger
    for handler in list(logger.handlers):
        handler.close()
        logger.removeHandler(handler)
    for handler in before:
        logger.addHandler(handler)


@pytest.mark.skipif(sys.platform == "win32", reason="XDG_STATE_HOME is a Linux setting")
def test_logging_writes_the_file_and_survives_an_unwritable_folder(fresh_logger, tmp_path):
    path = startup.start_logging()
    assert path == tmp_path / "state" / "landscape" / "landscape.log"
    startup.log().error("the window could not start")
    for handler in fresh_logger.handlers:
        handler.flush()
    assert "the window could not start" in path.read_text(encoding="utf-8")
    assert startup.start_logging() == path  # once only: no second handler, no doubled lines

    for handler in list(fresh_logger.handlers):
        handler.close()
        fresh_logger.removeHandler(handler)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the log folder should be")
    os.environ["XDG_STATE_HOME"] = str(blocked)
    assert startup.start_logging() is None


def test_missing_libraries_are_named_with_the_packages_to_install(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    absent = {"libEGL.so.1", "libxcb-cursor.so.0"}
    missing = startup.missing_system_libraries(
        {"DISPLAY": ":0"}, loads=lambda name: name not in absent, has_fonts=lambda: True
    )
    assert [library.soname for library in missing] == ["libEGL.so.1", "libxcb-cursor.so.0"]
    message = startup.missing_libraries_message(missing)
    assert "sudo apt install libegl1 libxcb-cursor0" in message
    assert "sudo dnf install libglvnd-egl xcb-util-cursor" in message


def test_wayland_needs_no_x11_libraries_and_fonts_are_checked(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    x11_only = {library.soname for library in startup._X11}
    missing = startup.missing_system_libraries(
        {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"},
        loads=lambda name: name not in x11_only,
        has_fonts=lambda: False,
    )
    assert [library.debian for library in missing] == ["fonts-dejavu-core"]
    assert (
        startup.missing_system_libraries({}, loads=lambda name: True, has_fonts=lambda: True) == []
    )


def test_nothing_is_checked_off_linux(monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    assert startup.missing_system_libraries({}, loads=lambda name: False) == []


@pytest.mark.skipif(sys.platform == "win32", reason="a shell-script stand-in for zenity")
def test_without_qt_the_desktops_dialog_tool_shows_the_message(
    fresh_logger, tmp_path, monkeypatch, capsys
):
    tools = tmp_path / "bin"
    tools.mkdir()
    shown = tmp_path / "shown.txt"
    zenity = tools / "zenity"
    zenity.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{shown}"\n')
    zenity.chmod(zenity.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ.get('PATH', '')}")
    startup.report_without_qt("Landscape could not start", "Qt could not load: libEGL.so.1")
    arguments = shown.read_text()
    assert "--error" in arguments and "Qt could not load: libEGL.so.1" in arguments
    assert "landscape.log" in arguments  # says where the log is
    assert "Qt could not load: libEGL.so.1" in capsys.readouterr().err
    log_file = startup.log_path()
    assert "Qt could not load" in log_file.read_text(encoding="utf-8")


def test_programs_started_by_the_frozen_app_get_the_users_environment():
    started_with = {
        "HOME": "/home/student",
        "LD_LIBRARY_PATH": f"{BUNDLE}:/opt/cuda/lib",
        "LD_LIBRARY_PATH_ORIG": "/opt/cuda/lib",
        "QT_PLUGIN_PATH": f"{BUNDLE}/PySide6/Qt/plugins",
        "QML2_IMPORT_PATH": f"{BUNDLE}/PySide6/Qt/qml",
    }
    current = {**started_with, "PYOPENGL_PLATFORM": "glx", "LANDSCAPE_NOTE": "kept"}
    environ = startup.user_environment(current, started_with, frozen_folder=BUNDLE)
    assert environ == {
        "HOME": "/home/student",
        "LD_LIBRARY_PATH": "/opt/cuda/lib",
        "LANDSCAPE_NOTE": "kept",
    }


def test_a_users_own_settings_are_kept():
    started_with = {"PYOPENGL_PLATFORM": "egl", "LD_LIBRARY_PATH": "/usr/local/lib"}
    current = {"PYOPENGL_PLATFORM": "egl", "LD_LIBRARY_PATH": f"{BUNDLE}:/usr/local/lib"}
    environ = startup.user_environment(
        current, {**started_with, "LD_LIBRARY_PATH_ORIG": "/usr/local/lib"}, frozen_folder=BUNDLE
    )
    assert environ == started_with
    # From source there is no bundle: only what the app itself set is taken back.
    assert startup.user_environment(
        {"PYOPENGL_PLATFORM": "glx", "PATH": "/usr/bin"}, {"PATH": "/usr/bin"}, frozen_folder=None
    ) == {"PATH": "/usr/bin"}
