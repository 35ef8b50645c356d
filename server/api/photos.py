"""Photo upload (idempotent, hash-checked) and download for users allowed to see them."""

from flask import Response, current_app, g, jsonify, request
from flask.views import MethodView
from werkzeug.exceptions import RequestEntityTooLarge

from server.api.base import Blueprint, auth_required, reads_first
from server.errors import error_body
from server.extensions import db
from server.schemas.photos import PhotoQuerySchema, PhotoSchema
from server.services import photos
from server.write_intent import sqlite_write_intent

blp = Blueprint("photos", __name__, url_prefix="/photos", description="Photos")

IMAGE = {"type": "string", "format": "binary"}
SHA256_HEADER = {
    "in": "header",
    "name": "X-Content-SHA256",
    "required": True,
    "description": "The sha256 of the body.",
    "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"},
}


@blp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc):
    """Answer a body over MAX_CONTENT_LENGTH with the photo code (a handler must not raise)."""
    body = error_body(413, photos.PhotoTooLarge.code, "The photo is over the upload limit.")
    return jsonify(body), 413


@blp.route("/<uuid:photo_id>")
class PhotoResource(MethodView):
    """One photo, by the id the device gave it."""

    decorators = [auth_required, reads_first]  # reads_first outermost: the token look-up reads

    @blp.doc(
        requestBody={
            "required": True,
            "content": {kind: {"schema": IMAGE} for kind in photos.CONTENT_TYPES},
        },
        parameters=[SHA256_HEADER],
    )
    @blp.response(201, PhotoSchema)
    @blp.alt_response(200, schema=PhotoSchema, description="Already stored with the same hash")
    @blp.doc(security=[{"bearerAuth": []}])
    def put(self, photo_id):
        """Upload the image bytes with ``X-Content-SHA256``; replays answer 200."""
        limits = photos.PhotoLimits.from_config(current_app.config)
        if (request.content_length or 0) > limits.max_bytes:
            raise photos.PhotoTooLarge(f"The photo is over {limits.max_bytes} bytes.")
        data = request.get_data(cache=False)
        sha = photos.check_upload(
            data, request.mimetype, request.headers.get("X-Content-SHA256"), limits
        )
        check = photos.look_up_upload(db.session, g.user, photo_id, sha)
        if check.replay is not None:
            return check.replay, 200
        # The look-up only read (``reads_first``); no transaction stays open while Pillow
        # decodes. The row is written in a new one, with the write lock, which checks again
        # what may have changed meanwhile.
        db.session.commit()
        storage = current_app.extensions["photo_storage"]
        prepared = photos.prepare_photo(storage, data, request.mimetype, sha, limits)
        with sqlite_write_intent():
            photo, created = photos.add_photo(db.session, g.user, check, prepared)
            db.session.commit()
        return photo, 201 if created else 200

    @blp.arguments(PhotoQuerySchema, location="query")
    @blp.response(200, content_type="image/jpeg", description="The stored JPEG")
    @blp.alt_response(304, description="Not modified (``If-None-Match``)")
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self, query, photo_id):
        """Return the stored JPEG (or ``?size=thumb``)."""
        photo = photos.photo_for_user(db.session, g.user, photo_id)
        key = photo.thumb_key if query["size"] == "thumb" else photo.image_key
        data = current_app.extensions["photo_storage"].get(key)
        response = Response(data, mimetype="image/jpeg")
        response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
        response.set_etag(key)
        return response.make_conditional(request)
