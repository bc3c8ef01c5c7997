"""Sparklines drawn with QPainter: a table delegate and a small widget.

A sparkline shows the recent trend of one measure over a fixed time window (so that rows
of a table compare), the pre-injury baseline as a dashed line and the latest value in
words. Drawing is a few painter calls per row: no plot widget per cell.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from PySide6.QtCore import QModelIndex, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

SPARK_ROLE = Qt.ItemDataRole.UserRole + 20
"""A ``Spark`` to draw in the cell (the display text is drawn beside it)."""


@dataclass(frozen=True)
class Spark:
    """What a sparkline draws: times (POSIX s) and values, over [start, end]."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    start: float
    end: float
    baseline: float | None = None
    colour: str = "#4E9BE8"
    text: str = ""  # e.g. "7.61 m/s (90%)"
    y_min: float | None = None  # fixed scale (e.g. 0 for pain)
    y_max: float | None = None

    @classmethod
    def from_points(
        cls,
        points,
        start: datetime,
        end: datetime,
        *,
        baseline: float | None = None,
        colour: str = "#4E9BE8",
        text: str = "",
        y_min: float | None = None,
        y_max: float | None = None,
    ) -> Spark:
        """From ``series.SeriesPoint``-like objects (``.at``, ``.value``)."""
        return cls(
            tuple(p.at.timestamp() for p in points),
            tuple(float(p.value) for p in points),
            start.timestamp(),
            end.timestamp(),
            baseline,
            colour,
            text,
            y_min,
            y_max,
        )


def paint_sparkline(
    painter: QPainter, rect: QRect | QRectF, spark: Spark, text_colour: QColor
) -> None:
    """Draw *spark* in *rect*: baseline (dashed), the trend line and the latest point."""
    r = QRectF(rect).adjusted(3, 4, -3, -4)
    if r.width() < 8 or r.height() < 6:
        return
    values = list(spark.ys) + ([spark.baseline] if spark.baseline is not None else [])
    if not values:
        faint = QColor(text_colour)
        faint.setAlpha(110)
        painter.setPen(faint)
        painter.drawText(r, Qt.AlignmentFlag.AlignCenter, "—")
        return
    lo = spark.y_min if spark.y_min is not None else min(values)
    hi = spark.y_max if spark.y_max is not None else max(values)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    span_x = max(spark.end - spark.start, 1.0)

    def at(x: float, y: float) -> QPointF:
        fx = (x - spark.start) / span_x
        fy = (y - lo) / (hi - lo)
        return QPointF(r.left() + fx * r.width(), r.bottom() - fy * r.height())

    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    if spark.baseline is not None:
        pen = QPen(text_colour, 1, Qt.PenStyle.DashLine)
        c = QColor(text_colour)
        c.setAlpha(150)
        pen.setColor(c)
        painter.setPen(pen)
        y = at(spark.start, spark.baseline).y()
        painter.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))
    colour = QColor(spark.colour)
    if spark.xs:
        path = QPainterPath(at(spark.xs[0], spark.ys[0]))
        for x, y in zip(spark.xs[1:], spark.ys[1:], strict=True):
            path.lineTo(at(x, y))
        painter.setPen(QPen(colour, 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        painter.setBrush(colour)
        painter.setPen(Qt.PenStyle.NoPen)
        last = at(spark.xs[-1], spark.ys[-1])
        painter.drawEllipse(last, 3.5, 3.5)
    painter.restore()


class SparklineDelegate(QStyledItemDelegate):
    """Paints the cell's ``SPARK_ROLE`` sparkline with its text on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        spark = index.data(SPARK_ROLE)
        if not isinstance(spark, Spark):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        text_colour = opt.palette.color(role)
        rect = opt.rect
        text_w = min(opt.fontMetrics.horizontalAdvance(spark.text) + 10, rect.width() * 3 // 5)
        spark_rect = QRect(rect.left(), rect.top(), rect.width() - text_w, rect.height())
        if selected:  # the selection colour may swallow the line's colour
            spark = replace(spark, colour=text_colour.name())
        paint_sparkline(painter, spark_rect, spark, text_colour)
        painter.save()
        painter.setPen(text_colour)
        painter.setFont(opt.font)
        painter.drawText(
            QRect(rect.right() - text_w, rect.top(), text_w - 4, rect.height()),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            spark.text,
        )
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        base = super().sizeHint(option, index)
        h = option.fontMetrics.height()
        return QSize(max(base.width(), 14 * h), max(base.height(), int(h * 1.8)))


class SparklineWidget(QWidget):
    """A labelled sparkline (the case-review detail panel)."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.spark: Spark | None = None
        self.setMinimumHeight(self.fontMetrics().height() * 4)

    def set_spark(self, title: str, spark: Spark | None) -> None:
        self.title, self.spark = title, spark
        self.setToolTip("")
        self.update()

    def sizeHint(self) -> QSize:
        h = self.fontMetrics().height()
        return QSize(h * 18, h * 5)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        fm = self.fontMetrics()
        line = fm.height()
        painter.setPen(text)
        lines = [self.title] + ([self.spark.text] if self.spark and self.spark.text else [])
        for n, words in enumerate(lines):
            font = painter.font()
            font.setBold(n == 1)
            painter.setFont(font)
            painter.drawText(
                QRect(0, n * (line + 2), self.width(), line + 2),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                fm.elidedText(words, Qt.TextElideMode.ElideRight, self.width()),
            )
        top = len(lines) * (line + 2)
        if self.spark is not None:
            paint_sparkline(
                painter, QRect(0, top, self.width(), self.height() - top), self.spark, text
            )
        painter.end()
