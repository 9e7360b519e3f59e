"""Runtime services of one build: the deadline, the output lock, worker processes, progress, the build report, atomic files."""
