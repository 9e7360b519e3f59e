"""The pipeline: one module per stage, from the day's sources to the issue's stories, run by :mod:`briefing.pipeline.build`."""
