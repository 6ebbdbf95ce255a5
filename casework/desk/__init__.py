"""The caseworkers' side: organisations, accounts, console sessions and case files."""
