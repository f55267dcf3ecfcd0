"""The licence texts of everything the bundle redistributes, gathered at build time.

The spec hands over the top-level names of what PyInstaller collected (modules, extension
modules, data folders) and the fonts; this finds the installed distribution behind each name,
copies the licence files it ships in its ``.dist-info`` (its ``License-File`` entries and any
LICENSE/COPYING/NOTICE/AUTHORS file there), adds the texts in ``third_party/`` for the
distributions whose wheels carry none, Python's own licence, PyInstaller's (its bootloader
starts the app), the fonts' notices and the app's LICENSE, and writes an index. A bundled
distribution without any licence text stops the build: shipping it without one is the bug.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
import shutil
import struct
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
THIRD_PARTY = HERE / "third_party"
INDEX_NAME = "README.txt"

# Distributions (normalised names) whose wheels carry no licence text: see third_party/README.md.
VENDORED = {
    "pyside6-essentials": ("LGPL-3.0.txt", "GPL-3.0.txt"),
    "shiboken6": ("LGPL-3.0.txt", "GPL-3.0.txt"),
    "pyopengl": ("PyOpenGL-license.txt",),
    "latex2mathml": ("latex2mathml-LICENSE.txt",),
}
# Summaries for the index where a distribution's metadata has none.
LICENCE_OVERRIDES = {"pyopengl": "BSD-3-Clause (PyOpenGL License)"}
_LICENCE_FILE = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE|COPYRIGHT|AUTHORS)", re.IGNORECASE)
_NOT_LICENCES = {"METADATA", "RECORD", "WHEEL", "INSTALLER", "REQUESTED"}

QT_NOTE = """\
Qt 6 (the libraries in PySide6/Qt/lib, and its plugins) comes inside PySide6-Essentials and is
used under the GNU Lesser General Public License version 3 (LGPL-3.0-only); its texts are in
the PySide6_Essentials-* folder (the LGPL-3.0 is a set of additional permissions on the GPL-3.0,
so both are there). The Qt libraries are separate shared libraries in this folder, loaded at
run time: you may replace them with your own build of the same Qt version. The source of Qt
and of PySide6 is published by the Qt Project.
"""


@dataclass
class Component:
    """One redistributed thing, the licence it is under, and its texts (name -> source file)."""

    name: str
    version: str
    licence: str
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def folder(self) -> str:
        return f"{self.name}-{self.version}" if self.version else self.name


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def distributions_for(top_level_names: Iterable[str]) -> list[metadata.Distribution]:
    """The installed distributions that provide these top-level modules or folders."""
    providers = metadata.packages_distributions()
    names = sorted({dist for top in top_level_names for dist in providers.get(top, ())})
    found = {}
    for name in names:
        dist = metadata.distribution(name)
        found[_normalise(dist.metadata["Name"])] = dist
    return [found[key] for key in sorted(found)]


def _dist_info(dist: metadata.Distribution) -> Path | None:
    path = getattr(dist, "_path", None)  # PathDistribution: the .dist-info folder itself
    return Path(path) if path is not None else None


def licence_files(dist: metadata.Distribution) -> dict[str, Path]:
    """The licence files a distribution ships, by their path inside its .dist-info."""
    info = _dist_info(dist)
    if info is None:
        return {}
    found: dict[str, Path] = {}
    for entry in dist.metadata.get_all("License-File") or ():
        # Metadata 2.4 keeps them in .dist-info/licenses/; older wheels at the top.
        for candidate in (info / "licenses" / entry, info / entry):
            if candidate.is_file():
                found[_bundle_name(candidate, info)] = candidate
                break
    for candidate in sorted(info.rglob("*")):
        if (
            candidate.is_file()
            and candidate.name not in _NOT_LICENCES
            and (_LICENCE_FILE.match(candidate.name) or "licenses" in candidate.parts)
        ):
            found.setdefault(_bundle_name(candidate, info), candidate)
    return found


def _bundle_name(path: Path, dist_info: Path) -> str:
    """Its path inside the .dist-info, less the licenses/ folder newer wheels put it in."""
    relative = path.relative_to(dist_info).as_posix()
    return relative.removeprefix("licenses/")


def licence_summary(dist: metadata.Distribution) -> str:
    """A one-line name for the licence: the SPDX expression, else License, else a classifier."""
    meta = dist.metadata
    key = _normalise(meta["Name"])
    if key in LICENCE_OVERRIDES:
        return LICENCE_OVERRIDES[key]
    expression = meta.get("License-Expression")
    if expression:
        return expression
    text = (meta.get("License") or "").strip().splitlines()
    if text and len(text[0]) <= 80:
        return text[0]
    classifiers = [
        c.split("::")[-1].strip() for c in meta.get_all("Classifier") or () if "License ::" in c
    ]
    return ", ".join(classifiers) or "see the texts"


def _font_names(path: Path) -> dict[int, str]:
    """The copyright (name ID 0) and licence (13) strings of a TrueType/OpenType font."""
    data = path.read_bytes()
    (count,) = struct.unpack_from(">H", data, 4)
    tables = {}
    for index in range(count):
        tag, _checksum, offset, _length = struct.unpack_from(">4sIII", data, 12 + 16 * index)
        tables[tag] = offset
    if b"name" not in tables:
        return {}
    base = tables[b"name"]
    _format, records, strings = struct.unpack_from(">HHH", data, base)
    names: dict[int, str] = {}
    for index in range(records):
        platform, _encoding, _language, name_id, length, offset = struct.unpack_from(
            ">HHHHHH", data, base + 6 + 12 * index
        )
        if platform == 3 and name_id in (0, 13) and name_id not in names:  # Windows, UTF-16
            start = base + strings + offset
            names[name_id] = data[start : start + length].decode("utf-16-be")
    return names


def font_component(fonts: Iterable[Path], work: Path) -> Component | None:
    """The fonts' own copyright and licence notices, and the OFL text where a font names it."""
    component = Component("fonts", "", "see each font's notice")
    licences = []
    for font in sorted(set(fonts), key=lambda p: p.name):
        names = _font_names(font)
        if not names:
            continue
        notice = work / f"{font.stem}.txt"
        notice.parent.mkdir(parents=True, exist_ok=True)
        notice.write_text(
            f"{font.name}\n\n{names.get(0, '').strip()}\n\n{names.get(13, '').strip()}\n",
            encoding="utf-8",
        )
        component.files[notice.name] = notice
        if "Open Font License" in names.get(13, ""):
            component.files["OFL-1.1.txt"] = THIRD_PARTY / "OFL-1.1.txt"
            licences.append(f"{font.stem}: OFL-1.1")
        else:
            licences.append(f"{font.stem}: its own notice")
    if not component.files:
        return None
    component.licence = "; ".join(licences)
    return component


def python_component() -> Component | None:
    """Python itself: libpython and the standard library are in the bundle."""
    version = ".".join(map(str, sys.version_info[:3]))
    base = Path(sys.base_prefix)
    for candidate in (
        base / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "LICENSE.txt",
        base / "LICENSE.txt",
        base / "LICENSE",
    ):
        if candidate.is_file():
            return Component("Python", version, "PSF-2.0", {"LICENSE.txt": candidate})
    return None


def collect(
    top_level_names: Iterable[str], app_licence: Path, fonts: Iterable[Path], work: Path
) -> list[Component]:
    """Everything to ship, the app first; RuntimeError naming any distribution with no text."""
    from landscape_gui import __version__

    components = [Component("Landscape", __version__, "MIT", {"LICENSE": app_licence})]
    missing = []
    distributions = distributions_for(top_level_names)
    names = {_normalise(d.metadata["Name"]) for d in distributions}
    if "pyinstaller" not in names:  # its bootloader is the executable
        distributions.append(metadata.distribution("pyinstaller"))
    for dist in distributions:
        key = _normalise(dist.metadata["Name"])
        if key == "landscape-gui":
            continue  # the app itself: its LICENSE is above
        files = licence_files(dist)
        for name in VENDORED.get(key, ()):
            files[name] = THIRD_PARTY / name
        if not files:
            missing.append(f"{dist.metadata['Name']} {dist.version}")
            continue
        components.append(
            Component(dist.metadata["Name"], dist.version, licence_summary(dist), files)
        )
    if missing:
        raise RuntimeError(
            "no licence text for bundled distribution(s): "
            + ", ".join(missing)
            + " (add the text to packaging/third_party/ and to VENDORED in bundle_licenses.py)"
        )
    python = python_component()
    if python is not None:
        components.append(python)
    fonts_found = font_component(fonts, work / "fonts")
    if fonts_found is not None:
        components.append(fonts_found)
    return components


def index_text(components: list[Component]) -> str:
    from landscape_gui import __version__

    rows = [("component", "version", "licence", "folder")] + [
        (c.name, c.version, c.licence, c.folder + "/") for c in components
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        f"Landscape {__version__} redistributes the software below. Each folder here holds the",
        "licence texts that come with it.",
        "",
    ]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)] + [row[3]]
        lines.append("  ".join(cells))
    lines += ["", QT_NOTE]
    return "\n".join(lines)


def write(components: list[Component], target: Path) -> list[tuple[str, Path]]:
    """Copy the texts into target/FOLDER/NAME and write the index; return (relative, file)."""
    if target.exists():
        shutil.rmtree(target)
    written = []
    for component in components:
        for name, source in component.files.items():
            destination = target / component.folder / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
            written.append((destination.relative_to(target).as_posix(), destination))
    (target / INDEX_NAME).write_text(index_text(components), encoding="utf-8")
    written.append((INDEX_NAME, target / INDEX_NAME))
    return written
