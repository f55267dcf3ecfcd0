"""The readout at the probe: f, the two partials, |∇f|, the steepest-ascent direction, and the
critical points (clicking one moves the probe there)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

KIND_SYMBOLS = {"minimum": "▼", "maximum": "▲", "saddle": "✕", "degenerate": "◆"}


def format_number(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return "undefined"
    text = f"{value:.4g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"
    return "0" if text in ("-0", "-0.000e+00") else text.replace("-", "−")


class ReadoutView(QWidget):
    criticalPointChosen = Signal(float, float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        box = QGroupBox("At the probe point")
        form = QFormLayout(box)
        self.labels: dict[str, QLabel] = {}
        for key, caption in (
            ("point", "(x, y)"),
            ("f", "f"),
            ("df_dx", "∂f/∂x"),
            ("df_dy", "∂f/∂y"),
            ("grad_norm", "|∇f|"),
            ("direction", "steepest ascent"),
        ):
            label = QLabel("—")
            label.setObjectName(f"readout_{key}")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(caption, label)
            self.labels[key] = label

        critical_box = QGroupBox("Critical points (∇f = 0)")
        critical_layout = QVBoxLayout(critical_box)
        self.critical_list = QListWidget()
        self.critical_list.setObjectName("criticalPoints")
        self.critical_list.setToolTip("Click one to move the probe there")
        self.critical_list.itemActivated.connect(self._chosen)
        self.critical_list.itemClicked.connect(self._chosen)
        self.critical_note = QLabel()
        self.critical_note.setWordWrap(True)
        self.critical_note.setObjectName("criticalNote")
        critical_layout.addWidget(self.critical_list)
        critical_layout.addWidget(self.critical_note)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(box)
        layout.addWidget(critical_box)

    def set_readout(
        self,
        x: float,
        y: float,
        f: float,
        df_dx: float,
        df_dy: float,
        grad_norm: float,
        direction: tuple[float, float] | None,
    ) -> None:
        self.labels["point"].setText(f"({format_number(x)}, {format_number(y)})")
        self.labels["f"].setText(format_number(f))
        self.labels["df_dx"].setText(format_number(df_dx))
        self.labels["df_dy"].setText(format_number(df_dy))
        self.labels["grad_norm"].setText(format_number(grad_norm))
        if direction is None:
            self.labels["direction"].setText("none: flat or undefined here")
        else:
            self.labels["direction"].setText(
                f"({format_number(direction[0])}, {format_number(direction[1])})"
            )

    def set_critical_points(
        self, points: list[tuple[float, float, str, float, bool]], note: str = ""
    ) -> None:
        """points: (x, y, kind, f, exact)."""
        self.critical_list.clear()
        for x, y, kind, f, exact in points:
            symbol = KIND_SYMBOLS.get(kind, "•")
            approx = "" if exact else "≈ "
            text = (
                f"{symbol} {kind}  {approx}({format_number(x)}, {format_number(y)}),"
                f"  f = {format_number(f)}"
            )
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, (x, y))
            self.critical_list.addItem(item)
        self.critical_note.setText(note)
        self.critical_note.setVisible(bool(note))

    def set_presentation(self, big: bool, scale: float = 2.0) -> None:
        for label in self.labels.values():
            label.setStyleSheet(f"font-size: {round(14 * scale)}px;" if big else "")

    def _chosen(self, item: QListWidgetItem) -> None:
        x, y = item.data(Qt.ItemDataRole.UserRole)
        self.criticalPointChosen.emit(float(x), float(y))
