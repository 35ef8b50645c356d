"""The checklist file format (see ``checklists/README.md``), checked by one schema.

The loader, ``wardwalk checklists validate`` and the tests all use ``validate_definition``, so a
file that passes on the command line is a file the server accepts. Errors come back as a list of
readable paths that name the section, item (by id) and field.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.domain.uses import USE_CODES
from server.schemas.common import error_lines

ID_PATTERN = r"^[a-z][a-z0-9_.-]{0,79}$"
CODE_PATTERN = r"^[a-z][a-z0-9_]{0,59}$"
SEVERITIES = ("minor", "major", "critical")
ITEM_TYPES = ("pass_fail", "number", "choice", "text", "count_missing")
PHOTO_RULES = ("never", "optional", "required", "required_on_fail")
CHECKLIST_KINDS = ("civilized_city", "infection_control", "smoke_free", "other")
FIELD_TYPES = ("text", "number", "datetime", "date", "choice", "signature", "boolean")
RULE_CHECKS = ("present", "range", "max_hours_between", "equals", "one_of")
# How an item's source quotes its documents: word for word (the default), condensed in our own
# words, or read from a garbled original (the seeds' mojibake); the walk labels the latter two.
QUOTE_KINDS = ("verbatim", "paraphrase", "reconstructed")
# ``responsible: location`` routes a failure to the department that owns the place; any other
# value is a department code (docs/checklists.md, "Who answers for a failure").
RESPONSIBLE_LOCATION = "location"
# The hospital's category for sewage discharge (GB 18466 tables 1 and 2), set in the hospital file
# (``settings.sewage_category``); a record rule may depend on it (``when: {hospital.…: […]}``).
SEWAGE_CATEGORIES = ("direct_discharge", "pretreatment", "infectious_disease")
HOSPITAL_CONDITIONS = {"hospital.sewage_category": SEWAGE_CATEGORIES}

_id = validate.Regexp(ID_PATTERN, error="Use lower-case letters, digits, '_', '.', '-'.")


class BilingualSchema(Schema):
    """A text in Simplified Chinese and English; both must be there and non-empty."""

    zh = fields.String(data_key="zh-CN", required=True, validate=validate.Length(min=1))
    en = fields.String(required=True, validate=validate.Length(min=1))


def _bilingual(**kwargs: Any) -> fields.Nested:
    return fields.Nested(BilingualSchema, **kwargs)


def _responsible() -> fields.String:
    return fields.String(
        validate=validate.Regexp(
            CODE_PATTERN, error=f"Use '{RESPONSIBLE_LOCATION}' or a department code."
        )
    )


def _applies_to() -> fields.List:
    """``applies_to: [use, …]``: the place uses a section or item is asked at (absent: all)."""
    return fields.List(
        fields.String(
            validate=validate.OneOf(
                USE_CODES, error="Unknown use {input!r}; see docs/checklists.md#place-uses."
            )
        ),
        validate=validate.Length(min=1, error="List at least one use, or leave applies_to out."),
    )


def _legacy_department() -> fields.String:
    """``department: <code>``, the old name of ``responsible``: older files keep loading."""
    return fields.String(validate=validate.Regexp(CODE_PATTERN))


def _one_responsible(data: dict) -> None:
    if "responsible" in data and "department" in data:
        raise ValidationError(
            {"department": ["The old name of 'responsible': give 'responsible' alone."]}
        )


def _legal_limit_is_same_day(data: dict) -> None:
    """Refuse ``rectification_days`` > 0 on a legal limit: it is due the same day."""
    if data.get("legal_limit") and data.get("rectification_days", 0) > 0:
        raise ValidationError(
            {"rectification_days": ["A legal limit is due the same day: give 0 or leave it out."]}
        )


def _only_for(data: dict, allowed: dict[str, tuple[str, ...]], kind: str) -> None:
    """Refuse type-specific fields on a type that does not use them."""
    errors = {
        name: [f"Not used by type '{kind}'."]
        for name, kinds in allowed.items()
        if name in data and kind not in kinds
    }
    if errors:
        raise ValidationError(errors)


class OptionSchema(Schema):
    """A choice option of an item; ``result`` says whether picking it passes or fails."""

    id = fields.String(required=True, validate=_id)
    label = _bilingual(required=True)
    result = fields.String(required=True, validate=validate.OneOf(("pass", "fail")))


class ItemSchema(Schema):
    """One question of a checklist."""

    id = fields.String(required=True, validate=_id)
    type = fields.String(required=True, validate=validate.OneOf(ITEM_TYPES))
    text = _bilingual(required=True)
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    points = fields.Float(required=True, validate=validate.Range(min=0))
    photo = fields.String(required=True, validate=validate.OneOf(PHOTO_RULES))
    applies_to = _applies_to()
    responsible = _responsible()
    department = _legacy_department()
    rectification_days = fields.Integer(strict=True, validate=validate.Range(min=0, max=365))
    source = fields.String(required=True, validate=validate.Length(min=1))
    quote_kind = fields.String(validate=validate.OneOf(QUOTE_KINDS))
    legal_limit = fields.Boolean()
    guidance = _bilingual()
    unit = _bilingual()
    min = fields.Float()
    max = fields.Float()
    period = _bilingual()
    options = fields.List(fields.Nested(OptionSchema))

    @validates_schema
    def _responsible_once(self, data: dict, **_: Any) -> None:
        _one_responsible(data)

    @validates_schema
    def _same_day_if_legal(self, data: dict, **_: Any) -> None:
        _legal_limit_is_same_day(data)

    @validates_schema
    def _type_fields(self, data: dict, **_: Any) -> None:
        kind = data.get("type")
        _only_for(
            data,
            {
                "unit": ("number", "count_missing"),
                "min": ("number",),
                "max": ("number", "count_missing"),
                "period": ("count_missing",),
                "options": ("choice",),
            },
            kind,
        )
        errors: dict[str, list[str]] = {}
        if kind == "number":
            if "min" not in data and "max" not in data:
                errors["min"] = ["A number item needs 'min' and/or 'max'."]
            if "unit" not in data:
                errors["unit"] = ["A number item needs a unit."]
            if "min" in data and "max" in data and data["min"] > data["max"]:
                errors["max"] = ["'max' is below 'min'."]
        elif kind == "count_missing":
            for name in ("unit", "period", "max"):
                if name not in data:
                    errors[name] = [f"A count_missing item needs '{name}'."]
            if data.get("max", 0) < 0:
                errors["max"] = ["'max' must be >= 0."]
        elif kind == "choice":
            options = data.get("options") or []
            results = {option["result"] for option in options}
            if len(options) < 2 or results != {"pass", "fail"}:
                errors["options"] = ["Give at least two options, one passing and one failing."]
            ids = [option["id"] for option in options]
            if len(ids) != len(set(ids)):
                errors["options"] = ["Option ids must be unique."]
        if errors:
            raise ValidationError(errors)


class SectionSchema(Schema):
    """A group of items shown together."""

    id = fields.String(required=True, validate=_id)
    title = _bilingual(required=True)
    applies_to = _applies_to()  # an item's own applies_to narrows it further
    responsible = _responsible()  # for every item of the section that names none itself
    items = fields.List(fields.Nested(ItemSchema), required=True, validate=validate.Length(min=1))

    @validates_schema
    def _items_within_section(self, data: dict, **_: Any) -> None:
        """Refuse item uses outside the section's: the item is asked only where its section is."""
        section = data.get("applies_to")
        if not section:
            return
        errors = {
            index: {"applies_to": [f"Uses outside the section's applies_to: {', '.join(extra)}."]}
            for index, item in enumerate(data.get("items", []))
            if (extra := sorted(set(item.get("applies_to", [])) - set(section)))
        }
        if errors:
            raise ValidationError({"items": errors})


class FieldOptionSchema(Schema):
    """An option of a record form's choice field."""

    id = fields.String(required=True, validate=_id)
    label = _bilingual(required=True)


class RecordFieldSchema(Schema):
    """One field of a record form."""

    id = fields.String(required=True, validate=validate.Regexp(CODE_PATTERN))
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    label = _bilingual(required=True)
    required = fields.Boolean(load_default=False)
    unit = _bilingual()
    min = fields.Float()
    max = fields.Float()
    options = fields.List(fields.Nested(FieldOptionSchema))

    @validates_schema
    def _type_fields(self, data: dict, **_: Any) -> None:
        kind = data.get("type")
        _only_for(
            data,
            {"unit": ("number",), "min": ("number",), "max": ("number",), "options": ("choice",)},
            kind,
        )
        if kind == "choice" and len(data.get("options") or []) < 2:
            raise ValidationError({"options": ["A choice field needs at least two options."]})


class RuleSchema(Schema):
    """A rule a record must keep; breaking it fails the record like a failed item."""

    id = fields.String(required=True, validate=_id)
    check = fields.String(required=True, validate=validate.OneOf(RULE_CHECKS))
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    points = fields.Float(required=True, validate=validate.Range(min=0))
    text = _bilingual(required=True)
    source = fields.String(required=True, validate=validate.Length(min=1))
    rectification_days = fields.Integer(strict=True, validate=validate.Range(min=0, max=365))
    legal_limit = fields.Boolean()
    # ``{field or hospital setting: [values] | "present"}``: the rule applies only when all hold.
    when = fields.Dict(keys=fields.String(), values=fields.Raw(), validate=validate.Length(min=1))
    fields_ = fields.List(fields.String(), data_key="fields")
    field = fields.String()
    from_ = fields.String(data_key="from")
    to = fields.String()
    min = fields.Float()
    max = fields.Float()
    value = fields.Raw()
    values = fields.List(fields.String())

    @validates_schema
    def _check_fields(self, data: dict, **_: Any) -> None:
        needed = {
            "present": ("fields_",),
            "range": ("field",),
            "max_hours_between": ("from_", "to", "max"),
            "equals": ("field", "value"),
            "one_of": ("field", "values"),
        }[data.get("check", "present")]
        errors = {
            name.rstrip("_"): [f"Check '{data.get('check')}' needs this."]
            for name in needed
            if name not in data
        }
        if data.get("check") == "range" and "min" not in data and "max" not in data:
            errors["min"] = ["A range check needs 'min' and/or 'max'."]
        if errors:
            raise ValidationError(errors)

    @validates_schema
    def _same_day_if_legal(self, data: dict, **_: Any) -> None:
        _legal_limit_is_same_day(data)


# How often a log is expected (``expected: {per: day, count: 2}``); the ``missing-logs`` job opens a
# task for a local day with fewer entries at a place the form ``applies_to``.
EXPECTED_PERIODS = ("day",)


class ExpectedSchema(Schema):
    """How many entries of a log a place of its uses should have per period."""

    per = fields.String(required=True, validate=validate.OneOf(EXPECTED_PERIODS))
    count = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=48))
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    points = fields.Float(required=True, validate=validate.Range(min=0))


class RecordTypeSchema(Schema):
    """A log form that staff fill in and inspectors look at (disinfection, waste handover, …)."""

    id = fields.String(required=True, validate=validate.Regexp(CODE_PATTERN))
    title = _bilingual(required=True)
    responsible = _responsible()
    department = _legacy_department()
    source = fields.String(required=True, validate=validate.Length(min=1))
    fields_ = fields.List(
        fields.Nested(RecordFieldSchema),
        data_key="fields",
        required=True,
        validate=validate.Length(min=1),
    )
    rules = fields.List(fields.Nested(RuleSchema), load_default=list)
    applies_to = _applies_to()  # the place uses where this log is kept (absent: anywhere)
    expected = fields.Nested(ExpectedSchema)

    @validates_schema
    def _responsible_once(self, data: dict, **_: Any) -> None:
        _one_responsible(data)

    @validates_schema
    def _expected_somewhere(self, data: dict, **_: Any) -> None:
        """Require applies_to with expected: a log expected "everywhere" would flood every ward."""
        if "expected" in data and "applies_to" not in data:
            raise ValidationError({"applies_to": ["Say where the expected log is kept."]})

    @validates_schema
    def _rules_name_fields(self, data: dict, **_: Any) -> None:
        by_id = {field["id"]: field for field in data.get("fields_", [])}
        if len(by_id) != len(data.get("fields_", [])):
            raise ValidationError({"fields": ["Field ids must be unique."]})
        errors: dict[str, Any] = {}
        for index, rule in enumerate(data.get("rules", [])):
            problem = _rule_problem(rule, by_id)
            if problem:
                errors[index] = {"fields": [problem]}
        if errors:
            raise ValidationError({"rules": errors})


_RULE_FIELD_TYPES = {
    "range": ("number",),
    "max_hours_between": ("datetime",),
    "one_of": ("choice",),
}


def _rule_problem(rule: dict, by_id: dict[str, dict]) -> str | None:
    """Return why a rule names fields its record type lacks (or of the wrong type), or None."""
    names = list(rule.get("fields_", []))
    names += [rule[key] for key in ("field", "from_", "to") if key in rule]
    for name in names:
        if name not in by_id:
            return f"Rule '{rule['id']}' names unknown field '{name}'."
        allowed = _RULE_FIELD_TYPES.get(rule["check"])
        if allowed and by_id[name]["type"] not in allowed:
            return f"Rule '{rule['id']}' needs a {'/'.join(allowed)} field, '{name}' is not."
    if rule["check"] == "one_of":
        known = {option["id"] for option in by_id[rule["field"]].get("options", [])}
        unknown = sorted(set(rule["values"]) - known)
        if unknown:
            return f"Rule '{rule['id']}' names unknown options {unknown}."
    for name, wanted in rule.get("when", {}).items():
        problem = _condition_problem(name, wanted, by_id)
        if problem:
            return f"Rule '{rule['id']}', when '{name}': {problem}"
    return None


def _condition_problem(name: str, wanted: Any, by_id: dict[str, dict]) -> str | None:
    """Return why one ``when`` condition cannot be judged, or None.

    A condition names a field of the record (a choice or a boolean, with the values that make the
    rule apply; any field with ``present``) or a hospital setting of ``HOSPITAL_CONDITIONS``.
    """
    if name in HOSPITAL_CONDITIONS:
        known: tuple = HOSPITAL_CONDITIONS[name]
    elif name not in by_id:
        return "not a field of the record type nor a known hospital setting."
    elif wanted == "present":
        return None
    elif by_id[name]["type"] == "choice":
        known = tuple(option["id"] for option in by_id[name]["options"])
    elif by_id[name]["type"] == "boolean":
        known = (True, False)
    else:
        return "only 'present' can be asked of this field type."
    if not isinstance(wanted, list) or not wanted:
        return "give a non-empty list of values."
    # Compared with their type: 1 is not true, and "true" is not an option of a boolean.
    if unknown := [v for v in wanted if not any(type(v) is type(k) and v == k for k in known)]:
        return f"unknown values {unknown}."
    return None


class SourceSchema(Schema):
    """A document items cite, by the code that starts a citation, with its readable name."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=80))
    name = _bilingual(required=True)


def citations(source: str) -> list[str]:
    """Split an item's ``source`` into its citations (``;`` or ``；`` between them)."""
    return [part.strip() for part in re.split(r"[;；]", source) if part.strip()]


def cited_code(citation: str, codes: list[str]) -> str | None:
    """Return the longest declared source code a citation starts with, or None.

    The client resolves citations the same way (``client/js/sources.js``) to show the name.
    """
    matches = [code for code in codes if citation.startswith(code)]
    return max(matches, key=len) if matches else None


class ChecklistDefinitionSchema(Schema):
    """A whole checklist file."""

    id = fields.String(required=True, validate=_id)
    kind = fields.String(required=True, validate=validate.OneOf(CHECKLIST_KINDS))
    title = _bilingual(required=True)
    description = _bilingual()
    source = fields.String(required=True, validate=validate.Length(min=1))
    sections = fields.List(
        fields.Nested(SectionSchema), required=True, validate=validate.Length(min=1)
    )
    record_types = fields.List(fields.Nested(RecordTypeSchema), load_default=list)
    sources = fields.List(fields.Nested(SourceSchema))

    @validates_schema
    def _citations_name_sources(self, data: dict, **_: Any) -> None:
        """With a ``sources`` block, every item citation must start with one of its codes.

        That is what lets the walk show every source by a readable name, not a bare code.
        """
        if "sources" not in data:
            return
        codes = [source["code"] for source in data["sources"]]
        errors: dict = {}
        for s_index, section in enumerate(data.get("sections", [])):
            for i_index, item in enumerate(section["items"]):
                unknown = [c for c in citations(item["source"]) if not cited_code(c, codes)]
                if unknown:
                    errors.setdefault(s_index, {"items": {}})["items"][i_index] = {
                        "source": [f"Cites no document listed under 'sources': {unknown[0]!r}."]
                    }
        if errors:
            raise ValidationError({"sections": errors})

    @validates_schema
    def _unique_ids(self, data: dict, **_: Any) -> None:
        errors: dict[str, list[str]] = {}
        sections = [section["id"] for section in data.get("sections", [])]
        items = [item["id"] for s in data.get("sections", []) for item in s["items"]]
        records = [record["id"] for record in data.get("record_types", [])]
        for name, ids in (("sections", sections), ("items", items), ("record_types", records)):
            repeated = sorted({i for i in ids if ids.count(i) > 1})
            if repeated:
                errors[name] = [f"Repeated ids: {', '.join(repeated)}."]
        if errors:
            raise ValidationError(errors)


# How error paths name the elements of a checklist file (by their ``id``).
_LABELS = {
    "sections": "section",
    "items": "item",
    "record_types": "record type",
    "fields": "field",
    "rules": "rule",
    "options": "option",
    "sources": "source",
}


def validate_definition(raw: Any) -> list[str]:
    """Return readable problems with a checklist definition; an empty list means it is valid."""
    if not isinstance(raw, dict):
        return ["(file): The file must hold a mapping with id, kind, title and sections."]
    try:
        ChecklistDefinitionSchema().load(raw)
    except ValidationError as exc:
        return error_lines(exc.messages, raw, _LABELS, "id")
    return []


def iter_items(definition: dict) -> list[dict]:
    """Return every item of a definition in order, across sections."""
    return [item for section in definition["sections"] for item in section["items"]]


def responsible_of(spec: dict, default: str = RESPONSIBLE_LOCATION) -> str:
    """Return who answers for a failure of an item or record type: ``location`` or a code.

    ``department`` is the field's old name, still read so that older files and the versions
    stored from them route as they did; ``default`` is the section's choice.
    """
    return spec.get("responsible") or spec.get("department") or default


def routed_items(definition: dict) -> list[dict]:
    """Return every item in order, ``responsible`` settled: its own, its section's, or location."""
    return [
        {**item, "responsible": responsible_of(item, responsible_of(section))}
        for section in definition["sections"]
        for item in section["items"]
    ]


def deadline_days(spec: dict) -> int | None:
    """Return the days a failure of an item or rule gets; None leaves it to the severity.

    The one place where the checklist decides the deadline: a legal limit (``legal_limit: true``:
    waste stored over 48 h, chlorine out of its legal range) is due the same day, whatever its
    severity; otherwise the item's ``rectification_days``, if it sets any.
    """
    return 0 if spec.get("legal_limit") else spec.get("rectification_days")


def rectification_days_of(definition: dict, item_id: str) -> int | None:
    """Return the ``deadline_days`` of an item (or ``record_type.rule``) of a definition."""
    for item in iter_items(definition):
        if item["id"] == item_id:
            return deadline_days(item)
    for record_type in definition.get("record_types", []):
        for rule in record_type["rules"]:
            if f"{record_type['id']}.{rule['id']}" == item_id:
                return deadline_days(rule)
    return None
