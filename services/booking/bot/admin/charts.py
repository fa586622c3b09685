"""The analytics picture: bookings per day (with cancellations and no-shows) and each master's
load, as one PNG drawn server-side with matplotlib's Agg canvas (no pyplot, so no global
figure state; safe in a worker thread). Call `render` through `asyncio.to_thread`.
matplotlib is imported on the first chart, so the booking service starts without it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from services.booking.use_cases.admin.analytics import Report

_DPI = 100
_SIZE = (9.0, 7.0)  # inches: 900 x 700 pixels


@dataclass(frozen=True, slots=True)
class ChartWords:
    title: str
    trend: str
    booked: str
    cancelled: str
    no_shows: str
    load: str
    percent: str


def render(report: Report, words: ChartWords) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=_SIZE, dpi=_DPI)
    FigureCanvasAgg(figure)
    figure.suptitle(words.title)
    trend, load = figure.subplots(2, 1, height_ratios=(3, 2))
    figure.subplots_adjust(left=0.16, right=0.97, top=0.9, bottom=0.08, hspace=0.35)
    totals = report.totals
    if totals is not None:
        days = totals.days
        xs = list(range(len(days)))
        kept = [d.bookings - d.cancelled - d.no_shows for d in days]
        cancelled = [d.cancelled for d in days]
        no_shows = [d.no_shows for d in days]
        trend.bar(xs, kept, color="#4c9f70", label=words.booked)
        trend.bar(xs, no_shows, bottom=kept, color="#e0a800", label=words.no_shows)
        above = [k + n for k, n in zip(kept, no_shows, strict=True)]
        trend.bar(xs, cancelled, bottom=above, color="#c0392b", label=words.cancelled)
        step = max(1, len(days) // 15)
        trend.set_xticks(xs[::step], [d.day.strftime("%d.%m") for d in days[::step]])
        trend.yaxis.get_major_locator().set_params(integer=True)
        trend.margins(y=0.2)
        trend.legend(loc="upper left", fontsize="small", ncols=3)
    trend.set_title(words.trend, fontsize="medium")
    names = [m.name for m in report.loads]
    shares = [m.percent or 0 for m in report.loads]
    ys = list(range(len(names)))
    load.barh(ys, shares, color="#2e86c1")
    load.set_yticks(ys, names)
    load.invert_yaxis()
    load.set_xlim(0, max(100, *shares) if shares else 100)
    load.set_xlabel(words.percent)
    load.set_title(words.load, fontsize="medium")
    for y, share, master in zip(ys, shares, report.loads, strict=True):
        load.text(
            share + 1,
            y,
            f"{share}% ({master.booked_min // 60}/{master.open_min // 60})",
            va="center",
            fontsize="small",
        )
    out = io.BytesIO()
    figure.savefig(out, format="png", pil_kwargs={"compress_level": 1})
    return out.getvalue()
