"""The demo clinic: a realistic, deterministic clinic to try the app and run demos.

Fourteen athletes with hamstring and calf cases in every phase of both protocols
(one cleared by the doctor, two in surveillance of which one shows a declining measure,
one recurrence of an earlier case), pre-injury baselines, daily feedback, sessions with
sRPE, weekly sprint tests whose split times follow the mono-exponential sprint model
(DOMAIN.md section 5), strength and flexibility tests per limb, and notes from every
discipline. Everything is seeded, so the same date gives the same clinic.
"""

from __future__ import annotations

from casemgr.demo.builder import DemoResult, build_demo, create_demo_database

__all__ = ["DemoResult", "build_demo", "create_demo_database"]
