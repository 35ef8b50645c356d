"""The shared vocabulary below the services: closed lists that schemas, services and docs share."""
