"""What every window stands on: background tasks, error dialogs, the idle lock and its
settings, autosaved drafts, the login dialog and the offer to restore a refused database.

May import ``casemgr`` and Qt only; nothing else in ``ui`` is imported from here.
"""
