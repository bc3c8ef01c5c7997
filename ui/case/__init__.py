"""The case window: workspace, header, criteria panel, timeline model and view, week plan
and the return-to-play decision dialog.

May import ``ui.forms``, ``ui.plots``, ``ui.common``, ``ui.platform``, ``reports`` and
``casemgr``; never the clinic windows (they open the case window, not the reverse).
"""
