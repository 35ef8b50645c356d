"""The hospital file: a hospital, its departments and its location tree, as an IT person writes it.

One schema for ``wardwalk org import`` and the demo seed, so the demo is an example of the format
(``server/data/demo-hospital.yaml``).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates,
    validates_schema,
)

from server.domain.uses import USE_CODES
from server.models.notification import NOTIFICATION_CODES, ROBOT_VENDORS
from server.models.org import LOCATION_KINDS
from server.schemas.checklist_definition import SEWAGE_CATEGORIES

CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", error="Letters, digits, '-', '_', '.'.")
ENV_NAME = validate.Regexp(r"^[A-Z_][A-Z0-9_]*$", error="A variable name: A-Z, 0-9, _.")


class NameSchema(Schema):
    """A name in both languages of the interface."""

    zh = fields.String(data_key="zh-CN", required=True, validate=validate.Length(1, 200))
    en = fields.String(required=True, validate=validate.Length(1, 200))


class SettingsSchema(Schema):
    """The hospital's settings that change how the rules apply.

    The escalation ladder: a task overdue for ``escalate_to_supervisors_after_days`` goes to the
    supervisors, after ``escalate_to_leadership_after_days`` to leadership; absent (null), the
    server's defaults (``ESCALATE_AFTER_DAYS``, ``ESCALATE_TO_LEADERSHIP_AFTER_DAYS``) apply.
    ``sewage_category`` picks the GB 18466 limits the sewage record rules apply; absent (null),
    a hospital is judged as discharging directly (docs/hospital-setup.md).
    ``logs_expected_from`` is the first day the hospital keeps its logs in Wardwalk: the
    missing-logs job judges no day before it, and no day at all while it is absent — a hospital
    still on paper is not sent a task for every ward every day.
    """

    auto_close_on_recheck = fields.Boolean(load_default=False)
    sewage_category = fields.String(
        allow_none=True, load_default=None, validate=validate.OneOf(SEWAGE_CATEGORIES)
    )
    logs_expected_from = fields.Date(allow_none=True, load_default=None)
    escalate_to_supervisors_after_days = fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=validate.Range(min=0, max=365)
    )
    escalate_to_leadership_after_days = fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=validate.Range(min=0, max=365)
    )

    @post_load
    def _dates_as_text(self, data: dict, **_kwargs) -> dict:
        """Keep the day as ISO text: settings are stored as JSON."""
        if data.get("logs_expected_from") is not None:
            data["logs_expected_from"] = data["logs_expected_from"].isoformat()
        return data

    @validates_schema
    def _ladder_goes_up(self, data: dict, **_kwargs) -> None:
        first = data.get("escalate_to_supervisors_after_days")
        second = data.get("escalate_to_leadership_after_days")
        if first is not None and second is not None and second < first:
            raise ValidationError(
                {"escalate_to_leadership_after_days": ["Leadership hears after supervisors."]}
            )


class WebhookSchema(Schema):
    """A group-chat robot: WeCom, DingTalk or Feishu, with its URL and secret.

    The URL may be written here or named by an environment variable (``url_env``: a WeCom key
    is in the URL, so it is a secret too); a signing secret only ever comes from the environment
    (``secret_env``), so neither the database nor an export holds it.
    """

    name = fields.String(required=True, validate=[validate.Length(1, 40), CODE])
    vendor = fields.String(required=True, validate=validate.OneOf(ROBOT_VENDORS))
    url = fields.Url(schemes={"http", "https"}, require_tld=False, load_default=None)
    url_env = fields.String(load_default=None, validate=ENV_NAME)
    secret_env = fields.String(load_default=None, validate=ENV_NAME)
    events = fields.List(
        fields.String(validate=validate.OneOf(NOTIFICATION_CODES)), load_default=None
    )

    @validates_schema
    def _one_url_and_a_signable_vendor(self, data: dict, **_kwargs) -> None:
        if (data.get("url") is None) == (data.get("url_env") is None):
            raise ValidationError({"url": ["Give either url or url_env."]})
        if data.get("secret_env") and data.get("vendor") == "wecom":
            raise ValidationError({"secret_env": ["WeCom robots are not signed."]})


class HospitalSchema(Schema):
    """The hospital itself: its code, names, time zone (deadlines are local days) and settings."""

    code = fields.String(required=True, validate=[validate.Length(1, 40), CODE])
    name = fields.Nested(NameSchema, required=True)
    timezone = fields.String(load_default="Asia/Shanghai")
    settings = fields.Nested(SettingsSchema, load_default=lambda: SettingsSchema().load({}))
    webhooks = fields.List(fields.Nested(WebhookSchema), load_default=list)

    @validates("timezone")
    def _known_zone(self, value: str, **_kwargs) -> None:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValidationError(f"Unknown time zone {value!r}.") from error


class DepartmentFileSchema(Schema):
    """A department (科室) that locations and tasks can be the responsibility of."""

    # Checklists say ``responsible: location`` for "the place's owner": no department is called so.
    code = fields.String(
        required=True,
        validate=[
            validate.Length(1, 60),
            CODE,
            validate.NoneOf(("location",), error="'location' is reserved (the place's owner)."),
        ],
    )
    name = fields.Nested(NameSchema, required=True)
    webhooks = fields.List(fields.Nested(WebhookSchema), load_default=list)


class LocationFileSchema(Schema):
    """A place and the places inside it; ``department`` is a department code of the same file.

    ``use`` is what the place is for (``server/domain/uses.py``); absent, it is unknown and every
    checklist item is asked there.
    """

    code = fields.String(required=True, validate=[validate.Length(1, 40), CODE])
    name = fields.Nested(NameSchema, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(LOCATION_KINDS))
    use = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(
            USE_CODES, error="Unknown use {input!r}; see docs/checklists.md#place-uses."
        ),
    )
    department = fields.String(load_default=None, allow_none=True)
    children = fields.List(fields.Nested(lambda: LocationFileSchema()), load_default=list)

    @validates_schema
    def _points_are_leaves(self, data: dict, **_kwargs) -> None:
        if data.get("kind") == "point" and data.get("children"):
            raise ValidationError({"children": ["A point has no places inside it."]})


class HospitalFileSchema(Schema):
    """The whole file; codes must be unique and every department named must be listed."""

    hospital = fields.Nested(HospitalSchema, required=True)
    departments = fields.List(fields.Nested(DepartmentFileSchema), required=True)
    locations = fields.List(fields.Nested(LocationFileSchema), required=True)

    @validates_schema
    def _references(self, data: dict, **_kwargs) -> None:
        errors: dict[str, list[str]] = {}
        department_codes = [department["code"] for department in data.get("departments", [])]
        repeated = sorted({code for code in department_codes if department_codes.count(code) > 1})
        if repeated:
            errors["departments"] = [f"Department code used twice: {', '.join(repeated)}."]
        names = [
            webhook["name"]
            for owner in [data.get("hospital", {}), *data.get("departments", [])]
            for webhook in owner.get("webhooks", [])
        ]
        if twice := sorted({name for name in names if names.count(name) > 1}):
            errors["webhooks"] = [f"Webhook name used twice: {', '.join(twice)}."]
        seen: set[str] = set()
        problems: list[str] = []
        for path, location, _parent in walk(data.get("locations", [])):
            if location["code"] in seen:
                problems.append(f"{path}: location code {location['code']!r} used twice.")
            seen.add(location["code"])
            department = location.get("department")
            if department is not None and department not in department_codes:
                problems.append(f"{path}: unknown department {department!r}.")
        if problems:
            errors["locations"] = problems
        if errors:
            raise ValidationError(errors)


def walk(locations: list[dict], parent: dict | None = None, parent_path: str = ""):
    """Yield ``(path, location, parent)`` for every place of a tree, parents before children."""
    for location in locations:
        path = f"{parent_path} › {location['code']}" if parent_path else location["code"]
        yield path, location, parent
        yield from walk(location.get("children", []), location, path)


# How error lines name the elements of a hospital file (by their ``code``).
LABELS = {"departments": "department", "locations": "location", "children": "place"}
