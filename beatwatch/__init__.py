"""beatwatch: a local-first heartbeat monitor."""

__version__ = "0.1.0"
