"""Render the app icon from its SVG master: PNGs of every size, a Windows .ico, a macOS .icns.

Each PNG is drawn by QtSvg straight at its own size (no downscaling of a big bitmap), so the
16 px icon is as sharp as QtSvg can make it. The .ico and .icns are containers of those PNGs,
written here in a few lines each (both formats are a small header and an index).

    python packaging/icons.py [OUTPUT_DIR]      (default: build/icons)
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MASTER_SVG = ROOT / "resources" / "icons" / "landscape.svg"
ICON_NAME = "landscape"
# hicolor theme sizes (Linux), plus what .ico and .icns want.
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_png(svg: Path, size: int) -> bytes:
    """The SVG drawn into a transparent ``size`` x ``size`` square, as PNG bytes.

    Raster painting needs no QGuiApplication (the icon has no text), so this also runs inside a
    process that makes its own QApplication later, such as the tests.
    """
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"QtSvg cannot read {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.convertToFormat(QImage.Format.Format_ARGB32).save(buffer, "PNG"):
        raise OSError("Qt could not encode the PNG")
    buffer.close()
    return bytes(data)


# ICNS element types holding PNG data: (type, pixels), with Apple's iconset file name as a
# comment. 32, 64, 256 and 512 px each serve twice: at 1x, and at 2x for half the size.
ICNS_TYPES = (
    (b"icp4", 16),  # icon_16x16
    (b"ic11", 32),  # icon_16x16@2x
    (b"icp5", 32),  # icon_32x32
    (b"ic12", 64),  # icon_32x32@2x
    (b"ic07", 128),  # icon_128x128
    (b"ic13", 256),  # icon_128x128@2x
    (b"ic08", 256),  # icon_256x256
    (b"ic14", 512),  # icon_256x256@2x
    (b"ic09", 512),  # icon_512x512
    (b"ic10", 1024),  # icon_512x512@2x
)


def write_ico(pngs: dict[int, bytes], path: Path) -> None:
    """A multi-size .ico whose images are our own PNGs (PNG entries: Windows Vista and later).

    Layout: ICONDIR (reserved 0, type 1, count), one 16-byte ICONDIRENTRY per image (width and
    height as a byte, 0 meaning 256; colours, reserved, planes 1, 32 bits per pixel, data size,
    data offset), then the PNG data.
    """
    header = struct.pack("<HHH", 0, 1, len(ICO_SIZES))
    offset = len(header) + 16 * len(ICO_SIZES)
    entries, data = b"", b""
    for size in ICO_SIZES:
        png = pngs[size]
        side = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset + len(data))
        data += png
    path.write_bytes(header + entries + data)


def write_icns(pngs: dict[int, bytes], path: Path) -> None:
    """A .icns with every size macOS asks for, 16 to 512 points at 1x and 2x, as PNG elements.

    Layout: b"icns" and the file length (big-endian), then per element its 4-byte type, its
    length including this 8-byte header, and the PNG data.
    """
    elements = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    path.write_bytes(b"icns" + struct.pack(">I", 8 + len(elements)) + elements)


def build_icons(output: Path, svg: Path = MASTER_SVG) -> dict[str, Path]:
    """Write ``landscape-<size>.png`` for every size, ``landscape.ico`` and ``landscape.icns``.

    Returns the written paths by name: ``png<size>``, ``svg``, ``ico`` and ``icns``.
    """
    output.mkdir(parents=True, exist_ok=True)
    sizes = sorted(set(PNG_SIZES) | set(ICO_SIZES) | {size for _kind, size in ICNS_TYPES})
    pngs = {size: render_png(svg, size) for size in sizes}
    written: dict[str, Path] = {}
    for size in PNG_SIZES:
        path = output / f"{ICON_NAME}-{size}.png"
        path.write_bytes(pngs[size])
        written[f"png{size}"] = path
    written["svg"] = output / f"{ICON_NAME}.svg"
    written["svg"].write_bytes(svg.read_bytes())
    written["ico"] = output / f"{ICON_NAME}.ico"
    write_ico(pngs, written["ico"])
    written["icns"] = output / f"{ICON_NAME}.icns"
    write_icns(pngs, written["icns"])
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "icons"
    for name, file in build_icons(target).items():
        sys.stdout.write(f"{name}: {file}\n")
