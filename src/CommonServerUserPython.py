"""Deployment-specific additions to CommonServerPython; this platform has none."""
