"""Replicas on one database: shared send budget, metrics, two-process load test."""
