"""The caseworker console: server-rendered pages over casework, with sessions and CSRF checks.

Importing this package imports nothing heavy: `takedown`'s victim commands load
service.console.commands without the web stack. service/console/site.py attaches the console.
"""
