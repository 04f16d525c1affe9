"""Tests of the educational content: flows/*.yaml, its wording and its routing cases."""
