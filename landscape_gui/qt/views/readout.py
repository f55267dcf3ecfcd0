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

from landscape_gui.core.numbers import readout

KIND_SYMBOLS = {"minimum": "▼", "maximum": "▲", "saddle": "✕", "degenerate": "◆"}


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
        self.labels["point"].setText(f"({readout(x)}, {readout(y)})")
        self.labels["f"].setText(readout(f))
        self.labels["df_dx"].setText(readout(df_dx))
        self.labels["df_dy"].setText(readout(df_dy))
        self.labels["grad_norm"].setText(readout(grad_norm))
        if direction is None:
            self.labels["direction"].setText("none: flat or undefined here")
        else:
            self.labels["direction"].setText(f"({readout(direction[0])}, {readout(direction[1])})")

    def set_critical_points(
        self, points: list[tuple[float, float, str, float, bool]], note: str = ""
    ) -> None:
        """points: (x, y, kind, f, exact)."""
        self.critical_list.clear()
        for x, y, kind, f, exact in points:
            symbol = KIND_SYMBOLS.get(kind, "•")
            approx = "" if exact else "≈ "
            text = f"{symbol} {kind}  {approx}({readout(x)}, {readout(y)}),  f = {readout(f)}"
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
