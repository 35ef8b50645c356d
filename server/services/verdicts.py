"""The server's judgement of what a device recorded, against the checklist version it used.

Devices answer; the server decides. A number outside its thresholds fails whatever the device
said, a choice fails if its option fails, and a record form fails when it breaks a rule. Input
that cannot be judged raises ``Rejected`` naming the field, and nothing of it is stored.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from server.errors import Invalid
from server.timeutil import as_utc


class Rejected(Invalid):
    """A pushed record is invalid; ``code`` and ``errors`` go back to the device."""

    code = "sync.invalid"


@dataclass(frozen=True)
class FindingVerdict:
    """The server's verdict on a finding and the value it was judged on."""

    verdict: str
    value: Any


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Rejected("A number is needed.", errors={field: ["A finite number is needed."]})
    return float(value)


def judge_finding(item: dict, result: str, value: Any, photo_count: int) -> FindingVerdict:
    """Return the verdict for an answer to ``item``; raise ``Rejected`` if it cannot be judged."""
    kind = item["type"]
    if result == "na":
        verdict = FindingVerdict("na", None)
    elif kind == "pass_fail":
        if value is not None:
            raise Rejected("No value for pass/fail.", errors={"value": ["Must be null."]})
        verdict = FindingVerdict(result, None)
    elif kind == "number":
        number = _number(value, "value")
        low, high = item.get("min", -math.inf), item.get("max", math.inf)
        verdict = FindingVerdict("pass" if low <= number <= high else "fail", number)
    elif kind == "count_missing":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise Rejected("A count is needed.", errors={"value": ["A whole number >= 0."]})
        verdict = FindingVerdict("pass" if value <= item["max"] else "fail", value)
    elif kind == "choice":
        options = {option["id"]: option["result"] for option in item["options"]}
        if value not in options:
            raise Rejected("Unknown option.", errors={"value": [f"One of: {', '.join(options)}."]})
        verdict = FindingVerdict(options[value], value)
    else:  # text: an observation, never a failure
        if not isinstance(value, str) or not value.strip():
            raise Rejected("Text is needed.", errors={"value": ["Write the observation."]})
        verdict = FindingVerdict("na", value)
    _check_photos(item, verdict.verdict, result, photo_count)
    return verdict


def _check_photos(item: dict, verdict: str, result: str, photo_count: int) -> None:
    rule = item["photo"]
    if rule == "never" and photo_count:
        raise Rejected(
            "This item takes no photos.",
            code="sync.photo_not_allowed",
            errors={"photos": ["This item must not be photographed (privacy)."]},
        )
    needs_photo = (rule == "required" and result != "na") or (
        rule == "required_on_fail" and verdict == "fail"
    )
    if needs_photo and not photo_count:
        raise Rejected(
            "A photo is required.",
            code="sync.photo_required",
            errors={"photos": ["Take at least one photo of this item."]},
        )


_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_SIGNATURE_KEYS = {"name", "photo_id", "sha256", "bytes"}
MAX_PHOTO_BYTES = 2**31 - 1


def _signature(raw: dict, name: str) -> dict:
    """Return a drawn signature ``{"name", "photo_id", "sha256", "bytes"}`` normalised.

    The image is a photo slot (``photo_id`` with the hash and size of its PNG); ``name`` is the
    signer's printed name. A name alone is kept (``{"name"}``) but does not count as signed.
    """
    errors: dict[str, list[str]] = {
        f"{name}.{key}": ["Unknown field."] for key in sorted(set(raw) - _SIGNATURE_KEYS)
    }
    printed = raw.get("name", "")
    if not isinstance(printed, str) or len(printed) > 120 or "\x00" in printed:
        errors[f"{name}.name"] = ["A name of at most 120 characters."]
    value: dict[str, Any] = {"name": printed.strip() if isinstance(printed, str) else ""}
    if raw.get("photo_id") is not None:
        try:
            value["photo_id"] = str(uuid.UUID(raw["photo_id"]))
        except (TypeError, ValueError, AttributeError):
            errors[f"{name}.photo_id"] = ["Not a valid UUID."]
        sha = raw.get("sha256")
        if not isinstance(sha, str) or not _SHA256.match(sha):
            errors[f"{name}.sha256"] = ["64 hex digits."]
        else:
            value["sha256"] = sha.lower()
        size = raw.get("bytes")
        if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= MAX_PHOTO_BYTES:
            errors[f"{name}.bytes"] = ["The image's size in bytes."]
        else:
            value["bytes"] = size
    elif "sha256" in raw or "bytes" in raw:
        errors[f"{name}.photo_id"] = ["Missing; sha256 and bytes describe a signature image."]
    if errors:
        raise Rejected("Bad signature.", errors=errors)
    return value


def signature_images(record_type: dict, values: dict) -> list[tuple[str, dict]]:
    """Return ``(field name, image ref)`` of each drawn signature among a record's values."""
    return [
        (f"fields.{spec['id']}", values[spec["id"]])
        for spec in record_type["fields"]
        if spec["type"] == "signature"
        and isinstance(values.get(spec["id"]), dict)
        and "photo_id" in values[spec["id"]]
    ]


def _parse_field(spec: dict, raw: Any) -> Any:
    """Return the normalised value of one record field, or raise ``Rejected`` naming it."""
    name = f"fields.{spec['id']}"
    kind = spec["type"]
    if kind == "signature" and isinstance(raw, dict):
        return _signature(raw, name)
    try:
        if kind == "number":
            number = _number(raw, name)
            if not spec.get("min", -math.inf) <= number <= spec.get("max", math.inf):
                raise Rejected("Out of range.", errors={name: ["Outside the allowed range."]})
            return number
        if kind == "boolean":
            if not isinstance(raw, bool):
                raise Rejected("Boolean needed.", errors={name: ["true or false."]})
            return raw
        if not isinstance(raw, str):
            raise Rejected("Text needed.", errors={name: ["A string is needed."]})
        if kind == "datetime":
            moment = datetime.fromisoformat(raw)
            if moment.tzinfo is None:
                raise ValueError("no offset")
            return as_utc(moment).isoformat().replace("+00:00", "Z")
        if kind == "date":
            return date.fromisoformat(raw).isoformat()
        if kind == "choice":
            options = [option["id"] for option in spec["options"]]
            if raw not in options:
                raise Rejected("Unknown option.", errors={name: [f"One of: {', '.join(options)}."]})
        return raw.strip()
    except ValueError:
        expected = "ISO 8601 with offset" if kind == "datetime" else "YYYY-MM-DD"
        raise Rejected("Bad date.", errors={name: [f"Expected {expected}."]}) from None


def _empty(value: Any) -> bool:
    """Return whether a value is missing; a signature without its drawn image is not signed."""
    if isinstance(value, dict):
        return "photo_id" not in value
    return value is None or (isinstance(value, str) and not value.strip())


def rule_context(settings: dict) -> dict[str, Any]:
    """Return what a rule's ``when`` may ask of the hospital, from its settings.

    A hospital that has not stated its sewage category is judged as discharging directly
    (GB 18466 table 2, discharge standard): the rule that held before the category existed.
    """
    return {"hospital.sewage_category": settings.get("sewage_category") or "direct_discharge"}


def check_record(
    record_type: dict, fields: dict, context: dict | None = None
) -> tuple[dict, list[dict]]:
    """Return the normalised fields and the rules they break; reject input that is not valid.

    ``context`` is the hospital's ``rule_context``; a rule whose ``when`` does not hold for the
    record (a UV rule on a wiping log, a new-lamp rule on a lamp in use) is not applied.
    """
    specs = {spec["id"]: spec for spec in record_type["fields"]}
    if unknown := sorted(set(fields) - set(specs)):
        raise Rejected(
            "Unknown fields.", errors={f"fields.{name}": ["Unknown field."] for name in unknown}
        )
    values: dict[str, Any] = {}
    for name, spec in specs.items():
        raw = fields.get(name)
        value = _parse_field(spec, raw) if isinstance(raw, dict) else raw
        if _empty(value):
            if spec.get("required"):
                raise Rejected("Missing field.", errors={f"fields.{name}": ["Required."]})
            if isinstance(value, dict) and value["name"]:
                values[name] = value  # a printed name without a drawing: kept, not signed
            continue
        values[name] = value if isinstance(raw, dict) else _parse_field(spec, raw)
    broken = [
        {"id": rule["id"], "severity": rule["severity"], "points": rule["points"]}
        for rule in record_type["rules"]
        if _applies(rule, values, context or {}) and _breaks(rule, values)
    ]
    return values, broken


def _applies(rule: dict, values: dict, context: dict) -> bool:
    """Return whether every ``when`` condition of a rule holds (a rule without one: always)."""
    for name, wanted in rule.get("when", {}).items():
        actual = context.get(name) if name in context else values.get(name)
        if wanted == "present":
            if _empty(actual):
                return False
        elif actual is None or not any(type(actual) is type(v) and actual == v for v in wanted):
            return False
    return True


def _breaks(rule: dict, values: dict) -> bool:
    check = rule["check"]
    if check == "present":
        return any(_empty(values.get(name)) for name in rule["fields"])
    if check == "max_hours_between":
        if rule["from"] not in values or rule["to"] not in values:
            return False
        start = datetime.fromisoformat(values[rule["from"]])
        end = datetime.fromisoformat(values[rule["to"]])
        return (end - start).total_seconds() / 3600 > rule["max"]
    if rule["field"] not in values:
        return False
    value = values[rule["field"]]
    if check == "range":
        return not rule.get("min", -math.inf) <= value <= rule.get("max", math.inf)
    if check == "equals":
        return value != rule["value"]
    return value not in rule["values"]  # one_of
