"""Wording shared by several areas: how cases (status, injury, phase, grade, time) and
timeline entries (discipline, kind, details, status) are named on screen.

May import ``ui.platform``, ``casemgr`` and Qt; no windows or widgets live here.
"""
