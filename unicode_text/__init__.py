"""What Unicode text looks like on screen, for every app: pure Python, no Django, imports nothing of
the project (chat's messages and accounts' display names both use it)."""
