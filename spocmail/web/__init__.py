"""The SPOC's web page: a server-rendered Starlette site over the same functions the CLI calls.

users.py: local accounts (argon2) and who may see what; auth.py: sessions, CSRF, the login rate limit and the
trusted proxy's identity header; safe.py: mail shown safely (nh3); app.py: the pages.
"""
