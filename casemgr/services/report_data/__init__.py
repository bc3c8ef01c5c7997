"""The plain data behind each PDF document: return-to-play report, case review, weekly sheet.

The ``reports`` package lays out only what these functions return (frozen dataclasses,
no ORM objects, no session). Every function checks ``Action.REPORT``; producing a document
is audited with :func:`log_report` ("report.export", or "report.print" from the app).

Where things live: ``common`` (the shared plain data: page context, case header, chart
series, criteria rows, notes, decision, targets; the integrity seal and :func:`log_report`),
``case`` (one case loaded once), ``criteria`` (the criteria table), ``charts`` (measure and
pain/soreness charts), and one module per document: ``rtp``, ``review``, ``weekly``. The
public names are re-exported here.

Definitions used by the documents (stated here because the printed figures rely on them):

- Values, baselines and LSI come from the readiness engine's index
  (:mod:`casemgr.clinical.readiness`): current values are results on or after the injury
  date; the baseline is the latest baseline-flagged result dated before the injury.
- **Day N** is the number of calendar days since the injury date (day 0).
- The **criteria table** of the RTP report covers the last two phases with exit criteria
  (DOMAIN.md section 7: "the final phases"), each evaluated as of the moment the case left
  the phase, or on today's data when the case has not left it; when the case is earlier
  in the protocol, its current phase is evaluated too.
- **Load vs pre-injury**: weekly sums of high-speed running (HSR) distance per week since
  the injury, against the pre-injury weekly mean computed as the readiness engine does
  (sum of results in the 28 days before the injury / number of 7-day blocks with a
  result); session load = sRPE x minutes (Foster 2001); ACWR by EWMA (Williams 2017),
  shown as a trend, not a risk zone (Impellizzeri 2020), and only from 28 days of load
  data ("building (n of 28 days)" before).
- The **integrity fingerprint** is SHA-256 over the canonical JSON of the document's data
  together with the audit-chain head when it was gathered
  (:func:`casemgr.services.decisions.fingerprint`).
"""

from __future__ import annotations

from casemgr.services.report_data.charts import (
    measure_chart,
)
from casemgr.services.report_data.common import (
    DEFAULT_CLINIC_NAME,
    KIND_TITLES,
    KINDS,
    CaseHeader,
    ChartData,
    CriteriaBlock,
    CriterionRow,
    DecisionData,
    NoteItem,
    PhaseSpan,
    PhaseStint,
    ReportContext,
    SeriesData,
    TargetItem,
    log_report,
)
from casemgr.services.report_data.review import (
    REVIEW_NOTE_LIMIT,
    FlagItem,
    ReviewData,
    ReviewPack,
    review_data,
    review_pack_data,
)
from casemgr.services.report_data.rtp import (
    RTP_NOTE_LIMIT,
    RUNNING_SESSIONS,
    SPRINT_KEYS,
    ConfidenceData,
    DisciplineNotes,
    FvProfile,
    LoadData,
    Milestone,
    RtpData,
    SprintData,
    SprintRow,
    WeekLoad,
    rtp_data,
)
from casemgr.services.report_data.weekly import (
    DayFeedback,
    PlanItem,
    SessionItem,
    WeeklyData,
    weekly_data,
)

__all__ = [
    "CaseHeader",
    "ChartData",
    "ConfidenceData",
    "CriteriaBlock",
    "CriterionRow",
    "DEFAULT_CLINIC_NAME",
    "DayFeedback",
    "DecisionData",
    "DisciplineNotes",
    "FlagItem",
    "FvProfile",
    "KINDS",
    "KIND_TITLES",
    "LoadData",
    "Milestone",
    "NoteItem",
    "PhaseSpan",
    "PhaseStint",
    "PlanItem",
    "REVIEW_NOTE_LIMIT",
    "RTP_NOTE_LIMIT",
    "RUNNING_SESSIONS",
    "ReportContext",
    "ReviewData",
    "ReviewPack",
    "RtpData",
    "SPRINT_KEYS",
    "SeriesData",
    "SessionItem",
    "SprintData",
    "SprintRow",
    "TargetItem",
    "WeekLoad",
    "WeeklyData",
    "log_report",
    "measure_chart",
    "review_data",
    "review_pack_data",
    "rtp_data",
    "weekly_data",
]
