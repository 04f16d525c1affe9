"""Tests of flow hot reload in the running bot."""
