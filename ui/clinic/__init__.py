"""The clinic's windows: the main window with the case list, the case review screen, the
report dialog, the import dialog and the file-menu data actions (backup, restore, export),
and the wiring of the case views into the case window.

May import every other area of ``ui``; only the entry points (``ui.app``) import it.
"""
