"""FastLoader returns exactly what marshmallow returns, on valid input and on anything else."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError, fields

from server.schemas.fastload import FastLoader
from server.schemas.sync import FindingIn, InspectionIn, RecordIn

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
plausible = {
    "value": json_values,
    "fields": st.dictionaries(st.text(max_size=4), json_values, max_size=3),
    "id": st.uuids().map(str),
    "inspection_id": st.uuids().map(str) | st.none(),
    "supersedes_id": st.uuids().map(str) | st.none(),
    "checklist_id": st.sampled_from(["walk", "", "x" * 81]),
    "checklist_version": st.integers(-1, 3) | st.just(True) | st.just(1.0),
    "location_id": st.integers(-1, 3) | st.just("3"),
    "kind": st.sampled_from(["self", "supervision", "nope"]),
    "item_id": st.sampled_from(["floor.clean", ""]),
    "result": st.sampled_from(["pass", "fail", "na", "maybe"]),
    "record_type": st.sampled_from(["waste_handover", ""]),
    "note": st.text(max_size=6) | st.just("a\x00") | st.just("\ud800"),
    "started_at": st.sampled_from(
        [
            "2026-11-23T09:00:00+08:00",
            "2026-11-23T09:00:00Z",
            "2026-11-23T09:00:00",
            "nope",
            "2026-11-23",
        ]
    ),
    "photos": st.lists(
        st.fixed_dictionaries(
            {
                "id": st.uuids().map(str),
                "sha256": st.sampled_from(["a" * 64, "A" * 64, "xyz"]),
                "bytes": st.integers(-1, 10),
            }
        ),
        max_size=2,
    )
    | json_values,
}
plausible["signatures"] = (
    st.lists(
        st.fixed_dictionaries(
            {
                "role": st.sampled_from(["inspector", "department", "witness"]),
                "name": st.text(max_size=4),
                "photo_id": st.uuids().map(str) | st.just("sig-1"),
                "sha256": st.sampled_from(["a" * 64, "xyz"]),
                "bytes": st.integers(-1, 10),
                "signed_at": plausible["started_at"],
            }
        ),
        max_size=3,
    )
    | json_values
)
plausible["finished_at"] = plausible["started_at"] | st.none()
plausible["recorded_at"] = plausible["started_at"]


VALID = {
    "id": str(uuid.UUID(int=1)),
    "inspection_id": str(uuid.UUID(int=2)),
    "supersedes_id": None,
    "checklist_id": "walk",
    "checklist_version": 1,
    "location_id": 3,
    "kind": "self",
    "item_id": "floor.clean",
    "result": "pass",
    "record_type": "waste_handover",
    "note": "",
    "value": None,
    "fields": {"weight_kg": 1},
    "photos": [],
    "signatures": [],
    "started_at": "2026-11-23T09:00:00+08:00",
    "finished_at": None,
    "recorded_at": "2026-11-23T09:10:00+08:00",
}


@st.composite
def records(draw, schema: Schema) -> dict:
    """A valid record with up to two keys changed, dropped or added: near the edge of valid."""
    keys = [field.data_key or name for name, field in schema.load_fields.items()]
    record = {key: VALID[key] for key in keys}
    for _ in range(draw(st.integers(0, 2))):
        key = draw(st.sampled_from([*keys, "unexpected"]))
        action = draw(st.sampled_from(["plausible", "junk", "drop"]))
        if action == "drop":
            record.pop(key, None)
        elif action == "junk" or key not in plausible:
            record[key] = draw(json_values)
        else:
            record[key] = draw(plausible[key])
    return record


def _outcome(load, data):
    try:
        return ("loaded", load(data))
    except ValidationError as exc:
        return ("invalid", exc.messages)


@pytest.mark.parametrize("schema_class", [InspectionIn, FindingIn, RecordIn])
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_fast_and_marshmallow_agree(schema_class, data):
    schema = schema_class()
    record = data.draw(records(schema))
    assert _outcome(FastLoader(schema).load, record) == _outcome(schema.load, record)


def test_a_schema_with_hooks_is_refused():
    from marshmallow import post_load

    class Hooked(Schema):
        id = fields.UUID()

        @post_load
        def make(self, data, **kwargs):
            return data

    with pytest.raises(TypeError):
        FastLoader(Hooked())


def test_valid_input_takes_the_fast_path(monkeypatch):
    schema = FindingIn()
    loader = FastLoader(schema)
    monkeypatch.setattr(schema, "load", lambda data: pytest.fail("marshmallow was asked"))
    finding = {
        "id": str(uuid.uuid4()),
        "inspection_id": str(uuid.uuid4()),
        "item_id": "floor.clean",
        "result": "pass",
        "recorded_at": "2026-11-23T09:00:00+08:00",
    }
    assert loader.load(finding)["photos"] == []
