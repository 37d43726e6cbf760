"""The FTS3 domain: identities, submissions, jobs, files and the transfer engine.

Nothing in this package imports Flask or ``responses``.
"""
