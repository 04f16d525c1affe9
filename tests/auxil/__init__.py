"""Helpers shared by tests: Bot API stand-in, update builders."""
