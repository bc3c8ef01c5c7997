"""The entry forms of the case window (one module per kind of entry) with their shared
base, the amend and void dialogs, and the athlete and case dialogs.

May import ``ui.common``, ``ui.platform``, ``casemgr`` and Qt; never the case window, the
plots or the clinic windows.
"""
