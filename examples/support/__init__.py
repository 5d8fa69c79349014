"""Helpers shared by the examples: a client for the real provider or, with
``--offline``, for the built-in MockModelServer, and a scripted model for offline runs."""
