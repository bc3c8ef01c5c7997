"""Fixtures for the import/export/backup tests: the sample athletes on top of ``clinic``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"


@dataclass
class SampleClinic:
    clinic: object
    sam: int
    lea: int
    tomas: int
    lea_case: int

    @property
    def database(self):
        return self.clinic.database

    @property
    def actors(self):
        return self.clinic.actors

    def session(self):
        return self.clinic.session()


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def samples(clinic) -> SampleClinic:
    """``clinic`` plus Lea Moreau (ATH-0002, with a calf case from 2026-09-20) and Tomás
    Ruiz (ATH-0003, no case), as in the sample files. Sam Carter's case starts 10 days ago,
    so his sample values stay on the athlete only."""
    from casemgr.services.athletes import AthleteInput, create_athlete
    from casemgr.services.cases import CaseInput, open_case

    physio = clinic.actors["physio"]
    with clinic.session() as s:
        lea = create_athlete(
            s,
            physio,
            AthleteInput(
                "Lea Moreau",
                date_of_birth=date(2001, 6, 1),
                body_mass_kg=62.0,
                height_m=1.70,
                external_id="ATH-0002",
            ),
        )
        tomas = create_athlete(
            s,
            physio,
            AthleteInput(
                "Tomás Ruiz",
                date_of_birth=date(1997, 2, 11),
                body_mass_kg=80.0,
                height_m=1.84,
                external_id="ATH-0003",
            ),
        )
        case = open_case(
            s,
            physio,
            lea.id,
            CaseInput(
                region="calf",
                side="left",
                muscle="soleus",
                injury_date=date(2026, 9, 20),
                grade="1",
                site="a",
            ),
        )
    return SampleClinic(clinic, clinic.athlete_id, lea.id, tomas.id, case.id)
