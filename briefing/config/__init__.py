"""Configuration: ``briefing.toml`` read, checked against its schema, and the settings of one run."""
