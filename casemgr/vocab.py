"""Clinical vocabulary: muscles, classifications, mechanisms, session types, labels.

BAMIC after Pollock et al., BJSM 2014; Munich after Mueller-Wohlfahrt et al., BJSM 2013.
"""

from __future__ import annotations

from casemgr.errors import ValidationError

MUSCLES: dict[str, dict[str, str]] = {
    "hamstring": {
        "biceps_femoris_long_head": "Biceps femoris (long head)",
        "biceps_femoris_short_head": "Biceps femoris (short head)",
        "semitendinosus": "Semitendinosus",
        "semimembranosus": "Semimembranosus",
    },
    "calf": {
        "medial_gastrocnemius": "Medial gastrocnemius",
        "lateral_gastrocnemius": "Lateral gastrocnemius",
        "soleus": "Soleus",
        "unspecified": "Not yet known (gastrocnemius or soleus)",
    },
}
MUSCLE_LABELS = {k: v for region in MUSCLES.values() for k, v in region.items()}

BAMIC_GRADES = ("0a", "0b", "1", "2", "3", "4")
BAMIC_SITES = {"a": "myofascial", "b": "musculotendinous junction", "c": "intratendinous"}
MUNICH_GRADES = ("1A", "1B", "2A", "2B", "3A", "3B", "4")
MECHANISMS = {
    "high_speed_running": "High-speed running",
    "stretch": "Stretch type",
    "other": "Other",
}
SESSION_TYPES = {
    "tempo": "Tempo",
    "acceleration": "Acceleration",
    "max_velocity": "Max velocity",
    "resisted": "Resisted sled/band",
    "plyometric": "Plyometric",
    "strength": "Strength",
    "bike": "Bike / non-impact",
    "sport_specific": "Sport-specific",
    "full_training": "Full team training",
    "other": "Other",
}
SURFACES = {
    "grass": "Grass",
    "track": "Track",
    "synthetic": "Synthetic",
    "gym": "Gym",
    "treadmill": "Treadmill",
    "other": "Other",
}
DECISION_LABELS = {
    "cleared": "Cleared",
    "cleared_with_restrictions": "Cleared with restrictions",
    "not_cleared": "Not cleared",
}
KIND_LABELS = {
    "note": "Note",
    "feedback": "Daily feedback",
    "session": "Session",
    "measure": "Measures",
    "check": "Clinician check",
    "phase_change": "Phase change",
    "flag": "Flag",
    "flag_resolved": "Flag resolved",
    "sign_off": "Sign-off",
    "decision": "RTP decision",
    "target": "Weekly target",
    "plan": "Planned session",
}


def validate_classification(classification: str, grade: str, site: str) -> tuple[str, str]:
    """Normalise and check a grade/site pair; returns (grade, site)."""
    grade, site = (grade or "").strip(), (site or "").strip().lower()
    if classification == "bamic":
        grade = grade.lower()
        if grade not in BAMIC_GRADES:
            raise ValidationError(f"BAMIC grade '{grade}' is not one of {', '.join(BAMIC_GRADES)}.")
        if grade in ("1", "2", "3") and site not in BAMIC_SITES:
            raise ValidationError(f"BAMIC grade {grade} needs a site: a, b or c.")
        if grade.startswith("0") and site:
            raise ValidationError("BAMIC grade 0 injuries have no site.")
        if grade == "4" and site not in ("", "c"):
            raise ValidationError("BAMIC grade 4 takes no site, or 'c' (4c).")
        return grade, site
    if classification == "munich":
        grade = grade.upper()
        if grade not in MUNICH_GRADES:
            raise ValidationError(
                f"Munich grade '{grade}' is not one of {', '.join(MUNICH_GRADES)}."
            )
        if site:
            raise ValidationError("The Munich classification has no site suffix.")
        return grade, ""
    raise ValidationError("The classification is BAMIC or Munich.")
