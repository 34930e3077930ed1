"""Revocable JWT sessions for Django REST framework, on top of SimpleJWT."""

__version__ = "0.1.0"
