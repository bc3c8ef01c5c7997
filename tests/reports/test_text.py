"""User text prints exactly as typed in reportlab paragraphs."""

from __future__ import annotations

import pytest
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph

from reports.text import para_text


@pytest.mark.parametrize(
    "typed",
    [
        "O'Brien <Jr> & Co",
        "<b>bold</b>",
        "0.1 < A < 0.9",
        '<img src="http://x/y.png"/>',
        "&amp;",
    ],
)
def test_user_text_is_not_markup(typed):
    para = Paragraph(para_text(typed), getSampleStyleSheet()["Normal"])
    words = "".join(getattr(frag, "text", "") for frag in para.frags)
    assert words == typed
    assert not any(getattr(frag, "img", False) or getattr(frag, "bold", 0) for frag in para.frags)
