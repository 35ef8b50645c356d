"""Field helpers shared by the resource schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import fields


class Bilingual(fields.Field):
    """Dump ``<prefix>_zh`` / ``<prefix>_en`` attributes as ``{"zh-CN": …, "en": …}``."""

    def __init__(self, prefix: str, **kwargs: Any) -> None:
        super().__init__(dump_only=True, **kwargs)
        self.prefix = prefix

    def serialize(self, attr: str, obj: Any, accessor: Any = None, **kwargs: Any) -> dict:
        """Dump the two attributes as one bilingual mapping."""
        return {"zh-CN": getattr(obj, f"{self.prefix}_zh"), "en": getattr(obj, f"{self.prefix}_en")}


class UTCDateTimeField(fields.DateTime):
    """An ISO 8601 timestamp that the server emits in UTC with a ``Z``."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        from server.timeutil import isoformat

        return isoformat(value)
