"""Marshmallow schemas at the edge: request and response shapes, one module per resource."""
