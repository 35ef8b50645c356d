"""HTTP API: one blueprint per resource, thin views over ``server.services``."""
