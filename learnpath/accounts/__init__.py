"""Accounts: sign-up, log-in, sessions, tokens, mail links (routes.py holds the blueprint)."""
