"""The floor of Wardwalk's ingest in its own stack: the least any push must do, and nothing else.

``bench/sync_ingest.py`` serves this with gunicorn beside the real server to tell how much of a
push's time is the stack itself and how much is Wardwalk's rules. ``POST /floor/push`` takes the
same body as ``/api/v1/sync/push`` and does only what every design in this stack has to do for a
record to be durable and idempotent: Flask and JSON in and out, each record loaded with the real
loaders and hashed (``server.services.sync._load``), the inspections and findings inserted with
the real bulk path (``ON CONFLICT DO NOTHING``), one commit (SQLite: WAL, ``synchronous=FULL``,
``BEGIN IMMEDIATE``, as deployed). No token, no look-ups, no rules or verdicts, no photo slots,
no tasks, no notices, no change log. Never deployed; it exists for the measurement.
"""

from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import select

from server.app import create_app
from server.extensions import db
from server.models import Finding, Inspection, User
from server.services import bulk, sync
from server.timeutil import utcnow


def create():
    """Return the Wardwalk app with the floor's route added."""
    app = create_app()
    inspector: list[int] = []

    @app.post("/floor/push")
    def floor_push():
        payload = request.get_json()
        if not inspector:
            inspector.append(db.session.scalar(select(User.id).where(User.username == "inspector")))
        now = utcnow()
        results, inspections, findings, inspection_of = [], [], [], {}
        for kind, key in (("inspection", "inspections"), ("finding", "findings")):
            for raw in payload[key]:
                record = sync._load(kind, raw)
                results.append({**record.result, "status": "created"})
                data = record.data
                if kind == "inspection":
                    inspection_of[data["id"]] = data
                    inspections.append(
                        {
                            **data,
                            "signatures": None,
                            "hospital_id": 1,
                            "inspector_id": inspector[0],
                            "device_id": payload["device_id"],
                            "content_sha256": record.digest,
                            "received_at": now,
                        }
                    )
                    continue
                parent = inspection_of[data["inspection_id"]]
                findings.append(
                    {
                        "id": data["id"],
                        "inspection_id": data["inspection_id"],
                        "hospital_id": 1,
                        "location_id": parent["location_id"],
                        "checklist_id": parent["checklist_id"],
                        "checklist_version": parent["checklist_version"],
                        "item_id": data["item_id"],
                        "result": data["result"],
                        "verdict": data["result"],
                        "value": data["value"],
                        "severity": "minor",
                        "points": 0,
                        "note": data["note"],
                        "supersedes_id": data["supersedes_id"],
                        "recorded_at": data["recorded_at"],
                        "recorded_by_id": inspector[0],
                        "content_sha256": record.digest,
                        "received_at": now,
                    }
                )
        bulk.insert_new(db.session, Inspection.__table__, ["id"], inspections, ["id"])
        bulk.insert_new(db.session, Finding.__table__, ["id"], findings, ["id"])
        db.session.commit()
        return jsonify({"results": results, "missing_photos": [], "tasks": []})

    return app
