"""How a finding's photos are shown: a marked-up copy first, in its original's place.

A device may draw on a photo (circles, arrows, a few words) and send the marked copy beside the
untouched original; the copy's slot names the original (``original_id``). Every reader — the task
detail, the inspection report, the problem list — shows the copy where the original stood, with
the original right after it, whatever order the device sent them in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, TypeVar


class _Slot(Protocol):
    photo_id: Any
    original_id: Any


S = TypeVar("S", bound=_Slot)


def marked_first(slots: Iterable[S]) -> list[S]:
    """Order slots (already in position order): each marked copy just before its original."""
    slots = list(slots)
    place = {slot.photo_id: index for index, slot in enumerate(slots)}

    def key(item: tuple[int, S]) -> tuple[int, int]:
        index, slot = item
        return (place.get(slot.original_id, index), 0 if slot.original_id is not None else 1)

    return [slot for _, slot in sorted(enumerate(slots), key=key)]
