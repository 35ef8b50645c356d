"""Wardwalk: offline-first hospital inspections, rectification tasks and weekly rollups."""
