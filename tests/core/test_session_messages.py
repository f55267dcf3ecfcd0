"""What a damaged session file is said to be: plain words, no stutter."""


def test_a_damaged_session_file_is_described_in_plain_words(tmp_path):
    from landscape_gui.core.session import SessionError, load_session

    path = tmp_path / "damaged.landscape"
    path.write_text('{\n "format_version": 1,\n\n\n "formula": "x^2 + y^2', encoding="utf-8")
    try:
        load_session(path)
    except SessionError as error:
        message = str(error)
    else:
        raise AssertionError("a damaged file was accepted")
    assert "starting at line 5" in message and "at at" not in message
