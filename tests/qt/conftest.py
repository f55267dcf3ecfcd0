"""Main windows in tests: made through ``track`` and closed after each test.

A closed window deletes itself (Qt's WA_DeleteOnClose: that is how its memory comes back), so
pytest-qt's ``qtbot.addWidget``, which closes its widgets again after the test, cannot be used
for them. Windows still open at the end of a test are closed here, and any worker thread a
window left behind (abandoned, still finishing) is waited for, so none outlives the tests.
"""

import pytest
import shiboken6

_OPEN: list = []


def track(window):
    _OPEN.append(window)
    return window


@pytest.fixture(autouse=True)
def _close_windows(qtbot):
    yield
    from landscape_gui.qt import worker

    while _OPEN:
        window = _OPEN.pop()
        if shiboken6.isValid(window):
            if window.is_presenting():
                window.set_presentation(False)  # the font is app-wide
            window._prompt_unsaved = False
            window.close()
    assert worker.wait_for_abandoned(60_000)
