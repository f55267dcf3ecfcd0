"""The Qt-free bookkeeping of the formula pipeline (parse → compile → scene → analysis).

What a scene depends on, and small bounded caches of compiled formulas and built scenes. The
Qt side (``qt/formula_pipeline.py``) runs the work on its workers and keeps these.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

from landscape_gui.core.state import SessionState

K = TypeVar("K")
V = TypeVar("V")


def scene_key(state: SessionState) -> tuple[object, ...]:
    """What a scene depends on: a scene built for one state serves any state with these."""
    return (
        state.formula,
        tuple(sorted(state.parameters.items())),
        state.domain,
        state.resolution,
    )


def analysis_key(state: SessionState) -> tuple[object, ...]:
    """What the exact analysis depends on (not the ranges: its answers hold everywhere)."""
    return (state.formula, tuple(sorted(state.parameters.items())))


def landscape_differs(a: SessionState, b: SessionState) -> bool:
    """Whether drawing ``b`` after ``a`` needs another scene."""
    return scene_key(a) != scene_key(b)


class Lru(Generic[K, V]):
    """A small least-recently-used cache: whatever it holds is bounded by ``size`` entries."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        self._items.clear()
