"""Helpers shared by test modules (set-up of offices, polls, publications; lint allowlist). Not tests."""
