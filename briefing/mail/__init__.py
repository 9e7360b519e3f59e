"""Mail: the issue sent to its readers, at most once each."""
