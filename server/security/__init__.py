"""Passwords, sessions, CSRF and response headers: the parts every request passes through."""
