"""What every window stands on: background tasks, error dialogs, the idle lock and its
settings, autosaved drafts, the login dialog, the offer to restore a refused database and
the clinic's time zone (``clinic_time``: the days and times every screen shows).

May import ``casemgr`` and Qt only; nothing else in ``ui`` is imported from here.
"""
