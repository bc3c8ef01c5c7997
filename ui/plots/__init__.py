"""Plots of a case (one module per kind: measures, load, wellness, sprint profile) and the
sparkline of the case review, drawn with pyqtgraph.

May import ``ui.common``, ``ui.platform``, ``casemgr`` and Qt; never the forms, the case
window or the clinic windows.
"""
