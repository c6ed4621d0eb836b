"""The promotion settings ``--clear`` (CLI, ``%promote``) may empty; "schedule" clears both
kinds. A module of its own: the command line builds its parser from it without importing the
settings model (pydantic, cron, time zones: 0.3 s of a 0.7 s ``jupyter promote check``)."""

CLEARABLE = ("team", "schedule", "sla", "consumers", "reads", "writes", "notify")
