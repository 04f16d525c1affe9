"""Tests of the Telegram layer: offline through Application.process_update, and end to end."""
