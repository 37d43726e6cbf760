"""pytest fixtures for the Globus double."""
