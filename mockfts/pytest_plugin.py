"""pytest fixtures for the FTS3 double (filled in below)."""
