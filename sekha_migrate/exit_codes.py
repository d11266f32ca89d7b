"""The exit codes every command shares."""

OK = 0
PROBLEMS = 1  # the configuration (or probe) has problems
USAGE = 2  # usage errors and unreadable paths
