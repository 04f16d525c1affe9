"""Tests of bot.storage, run over SQLite and PostgreSQL."""
