"""Offline demisto-sdk checks, pack layout and generated docs for the integration.

`tools/sdk.py` is the command line; the modules here do the work so tests can call them.
Nothing here talks to XSOAR or to any network service: demisto-sdk runs from its
own virtual environment (`.venv-sdk/`) and the command examples come from the local
emulator.
"""
