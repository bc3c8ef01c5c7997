"""The casemgr desktop shell (PySide6 + pyqtgraph), talking to ``casemgr`` services only.

Importing this package loads no Qt: the ``casemgr`` console script (``ui.launcher``)
runs headless commands without PySide6 and imports the Qt modules only to open the app.
"""
