"""A local stand-in for the XSOAR platform: the command runtime and the War Room."""
