"""The desk: the editors' web page, their corrections kept in notes files, and the history of their moves."""
