"""Deciding a migration: which files, which values, what v2 document. Never prints or exits."""
