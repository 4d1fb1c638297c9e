"""Chart conventions: the "tripod" Plotly template, fixed colours per code, figure builders.

Colours belong to codes, not to rows: a department, diagnosis, customer class or segment has
the same colour on every chart whatever the filter or sort order. Builders take a tidy frame
and already-translated titles (this module knows no language), and return a Plotly figure
that uses the registered template; pages draw it with `theme=None` so Streamlit keeps it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import plotly.io as pio

TEMPLATE_NAME = "tripod"

# Browsers and kaleido fall back glyph by glyph along this list; the CJK faces come first so
# Chinese labels never depend on a Latin font's fallback (WenQuanYi ships with the Debian image).
FONT_FAMILY = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", '
    '"PingFang SC", "Microsoft YaHei", "Hiragino Sans GB", "Helvetica Neue", Arial, sans-serif'
)
TEXT_COLOUR = "#262730"
GRID_COLOUR = "#E6E8EB"
NEUTRAL = "#9AA0A6"  # unknown code, no data

# Red and green are kept for status (red/amber/green) and for the diagnosis extremes, so
# departments draw from a palette without them (Tableau 10 order, colour-blind tolerant).
DEPARTMENT_PALETTE: tuple[str, ...] = (
    "#4E79A7",
    "#F28E2B",
    "#B07AA1",
    "#76B7B2",
    "#9C755F",
    "#EDC948",
    "#FF9DA7",
    "#1B3A5C",
    "#BAB0AC",
    "#8CD17D",
)

BALANCE_MAP_NAMED = 60  # up to this many supervisors the balance map writes each one's code by its point
BALANCE_MAP_WEBGL = 200  # past this many it draws with WebGL, smaller points
BALANCE_MAP_RANGE = 112  # both axes run to here: room for a code above (or beside) a point at 100

# Where a code may sit around its point, in the order tried. The geometry is in pixels of the
# map as the Compare page draws it (half of a 1400 px page, legend below: a plot ~385 x 340 px
# for 0..BALANCE_MAP_RANGE on each axis); a code of three characters is ~26 x 15 px, the
# largest point ~24 px across. The first place clear of other codes and points wins.
_PX_PER_X, _PX_PER_Y = 385 / BALANCE_MAP_RANGE, 340 / BALANCE_MAP_RANGE
_CHAR_PX, _LABEL_H, _POINT_R = 8.5, 15.0, 12.0
_DIAGONAL = _POINT_R * 0.7
# (textposition, horizontal side, gap from the point sideways, bottom of the box from the point)
_LABEL_PLACES = (
    ("top center", "center", 0.0, _POINT_R),
    ("bottom center", "center", 0.0, -_POINT_R - _LABEL_H),
    ("middle right", "right", _POINT_R, -_LABEL_H / 2),
    ("middle left", "left", _POINT_R, -_LABEL_H / 2),
    ("top right", "right", _DIAGONAL, _DIAGONAL),
    ("top left", "left", _DIAGONAL, _DIAGONAL),
    ("bottom right", "right", _DIAGONAL, -_DIAGONAL - _LABEL_H),
    ("bottom left", "left", _DIAGONAL, -_DIAGONAL - _LABEL_H),
)

STATUS_COLOURS = {"green": "#2E9E5B", "amber": "#E8A33D", "red": "#D64545", "none": NEUTRAL}

# The three legs of a supervisor's job; a diagnosis takes the colour of the leg it is about:
# dark when that leg is the only one pushed, light when it is the one neglected.
LEG_COLOURS = {"targets": "#1F5FA8", "team": "#E07B00", "skills": "#7B4FB8"}
DIAGNOSIS_COLOURS = {
    "balanced": STATUS_COLOURS["green"],
    "targets_only": LEG_COLOURS["targets"],
    "team_only": LEG_COLOURS["team"],
    "skills_only": LEG_COLOURS["skills"],
    "neglects_targets": "#8FB8E8",
    "neglects_team": "#F5B971",
    "neglects_skills": "#C5A8E8",
    "struggling": STATUS_COLOURS["red"],
}
CUSTOMER_CLASS_COLOURS = {
    "loyal": "#4E79A7",
    "fast_growing": "#2E9E5B",
    "worth_nurturing": "#E8A33D",
    "dormant": NEUTRAL,
    "no_bookings": "#D5D8DC",
}
SEGMENT_COLOURS = {"bank": "#3B6EA8", "non_bank": "#C9803A"}

# Axis tick format, hover format and prefix for each kind of value. Shares are fractions
# (0.93) throughout Tripod, so "percent" formats a fraction.
VALUE_FORMATS: dict[str, tuple[str, str, str]] = {
    "number": (",.0f", ",.0f", ""),
    "decimal": (",.1f", ",.2f", ""),
    "percent": (".0%", ".1%", ""),
    "currency": (",.0f", ",.0f", "¥"),
    "score": (".0f", ".0f", ""),
}


def build_template() -> go.layout.Template:
    layout = go.Layout(
        font={"family": FONT_FAMILY, "size": 13, "color": TEXT_COLOUR},
        title={"x": 0, "xanchor": "left", "font": {"size": 16}},
        colorway=list(DEPARTMENT_PALETTE),
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 56, "r": 24, "t": 64, "b": 48},
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.0,
            "xanchor": "left",
            "x": 0,
            "title": {"text": ""},
        },
        hoverlabel={"font": {"family": FONT_FAMILY}},
        xaxis={"gridcolor": GRID_COLOUR, "zerolinecolor": GRID_COLOUR, "automargin": True},
        yaxis={
            "gridcolor": GRID_COLOUR,
            "zerolinecolor": GRID_COLOUR,
            "automargin": True,
            "rangemode": "tozero",
        },
        separators=".,",
    )
    return go.layout.Template(layout=layout)


def register_template() -> str:
    """Register the template under TEMPLATE_NAME (idempotent) and return its name."""
    pio.templates[TEMPLATE_NAME] = build_template()
    return TEMPLATE_NAME


register_template()


# --- colours ------------------------------------------------------------------------------


def department_colours(codes: Iterable[str]) -> dict[str, str]:
    """A colour for each department code, assigned in sorted code order.

    Pass every department of the organisation (not only the rows of one chart), so that a
    filtered chart keeps the colours of the unfiltered one.
    """
    ordered = sorted({str(code) for code in codes})
    return {code: DEPARTMENT_PALETTE[i % len(DEPARTMENT_PALETTE)] for i, code in enumerate(ordered)}


def colours_for(codes: Iterable[str], known: Mapping[str, str]) -> dict[str, str]:
    """`known` colours for the given codes; an unknown code is drawn neutral grey."""
    return {str(code): known.get(str(code), NEUTRAL) for code in codes}


# --- building blocks ----------------------------------------------------------------------


def empty_figure(message: str, *, title: str = "") -> go.Figure:
    """A blank chart that says why it is blank."""
    fig = go.Figure(layout={"template": TEMPLATE_NAME, "height": 240})
    fig.update_layout(title={"text": title}, xaxis={"visible": False}, yaxis={"visible": False})
    fig.add_annotation(
        text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 14}
    )
    return fig


def apply_axis_format(fig: go.Figure, value_format: str, *, axis: str = "y") -> go.Figure:
    tick, hover, prefix = VALUE_FORMATS[value_format]
    settings = {"tickformat": tick, "hoverformat": hover, "tickprefix": prefix}
    if axis == "y":
        fig.update_yaxes(**settings)
    else:
        fig.update_xaxes(**settings)
    return fig


def finish(
    fig: go.Figure, *, title: str, x_title: str = "", y_title: str = "", legend_title: str = ""
) -> go.Figure:
    """The conventions every chart shares: template, plain title, axis titles."""
    fig.update_layout(
        template=TEMPLATE_NAME,
        title={"text": title},
        xaxis_title=x_title,
        yaxis_title=y_title,
        legend_title_text=legend_title,
    )
    return fig


def _labelled(
    frame: pd.DataFrame,
    colour: str | None,
    colour_map: Mapping[str, str] | None,
    names: Mapping[str, str] | None,
) -> tuple[pd.DataFrame, str | None, dict[str, str] | None, list[str] | None]:
    """Swap codes for display names in a private column, carrying each code's colour along."""
    if colour is None:
        return frame, None, None, None
    codes = sorted(frame[colour].astype(str).unique())
    label_of = {code: (names or {}).get(code, code) for code in codes}
    shown = frame.assign(_label=frame[colour].astype(str).map(label_of))
    palette = dict(colour_map) if colour_map is not None else department_colours(codes)
    label_colours = {label_of[code]: palette.get(code, NEUTRAL) for code in codes}
    return shown, "_label", label_colours, [label_of[code] for code in codes]


def _px_colour(frame: pd.DataFrame, args: Mapping[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The frame to draw and the plotly express arguments that colour it by code, with the titles.

    `args` are the calling builder's arguments (its locals()): x, y, colour, colour_map, names,
    x_title, y_title and legend_title, the keywords line_chart, bar_chart and scatter_chart share.
    """
    x, y = args["x"], args["y"]
    shown, label, label_colours, order = _labelled(frame, args["colour"], args["colour_map"], args["names"])
    return shown, {
        "color": label,
        "color_discrete_map": label_colours,
        "category_orders": {label: order} if label else None,
        "template": TEMPLATE_NAME,
        "labels": {x: args["x_title"] or x, y: args["y_title"] or y, "_label": args["legend_title"]},
    }


def line_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    colour: str | None = None,
    colour_map: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    x_title: str = "",
    y_title: str = "",
    legend_title: str = "",
    value_format: str = "number",
    empty_text: str = "—",
) -> go.Figure:
    """One line per code in `colour` (e.g. department_code), coloured by `colour_map` keyed by code."""
    if frame.empty:
        return empty_figure(empty_text, title=title)
    shown, options = _px_colour(frame, locals())
    fig = px.line(shown.sort_values(x), x=x, y=y, markers=True, **options)
    apply_axis_format(fig, value_format)
    return finish(fig, title=title, x_title=x_title, y_title=y_title, legend_title=legend_title)


def bar_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    colour: str | None = None,
    colour_map: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    x_title: str = "",
    y_title: str = "",
    legend_title: str = "",
    value_format: str = "number",
    horizontal: bool = False,
    stacked: bool = False,
    empty_text: str = "—",
) -> go.Figure:
    """Bars of `y` per `x`; horizontal=True swaps the axes (long category names read better)."""
    if frame.empty:
        return empty_figure(empty_text, title=title)
    shown, options = _px_colour(frame, locals())
    fig = px.bar(
        shown,
        x=y if horizontal else x,
        y=x if horizontal else y,
        orientation="h" if horizontal else "v",
        barmode="stack" if stacked else "group",
        **options,
    )
    apply_axis_format(fig, value_format, axis="x" if horizontal else "y")
    if horizontal:
        fig.update_yaxes(autorange="reversed")  # first row on top, as in the table
        return finish(fig, title=title, x_title=y_title, y_title=x_title, legend_title=legend_title)
    return finish(fig, title=title, x_title=x_title, y_title=y_title, legend_title=legend_title)


def scatter_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    colour: str | None = None,
    colour_map: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    size: str | None = None,
    hover_name: str | None = None,
    x_title: str = "",
    y_title: str = "",
    legend_title: str = "",
    x_format: str = "number",
    y_format: str = "number",
    render_mode: str = "auto",
    size_max: int = 20,
    empty_text: str = "—",
) -> go.Figure:
    """Points of y against x, optionally sized (e.g. team size) and coloured by code (e.g. diagnosis).

    render_mode="webgl" draws Scattergl traces (thousands of points).
    """
    if frame.empty:
        return empty_figure(empty_text, title=title)
    shown, options = _px_colour(frame, locals())
    fig = px.scatter(
        shown,
        x=x,
        y=y,
        size=size,
        size_max=size_max,
        render_mode=render_mode,
        hover_name=hover_name,
        **options,
    )
    apply_axis_format(fig, x_format, axis="x")
    apply_axis_format(fig, y_format, axis="y")
    return finish(fig, title=title, x_title=x_title, y_title=y_title, legend_title=legend_title)


def pareto_chart(
    frame: pd.DataFrame,
    *,
    category: str,
    count: str,
    title: str,
    count_title: str,
    share_title: str,
    empty_text: str = "—",
) -> go.Figure:
    """Bars of counts, largest first, with the cumulative share as a line on a second axis."""
    if frame.empty:
        return empty_figure(empty_text, title=title)
    # Ties are broken by category so the order never depends on the incoming rows.
    ordered = frame.sort_values([count, category], ascending=[False, True])
    cumulative = ordered[count].cumsum() / ordered[count].sum()
    fig = go.Figure()
    fig.add_bar(x=ordered[category], y=ordered[count], name=count_title, marker_color=DEPARTMENT_PALETTE[0])
    fig.add_scatter(
        x=ordered[category],
        y=cumulative,
        name=share_title,
        yaxis="y2",
        mode="lines+markers",
        line={"color": STATUS_COLOURS["red"]},
    )
    fig.update_layout(
        yaxis={"title": {"text": count_title}, "tickformat": ",.0f"},
        yaxis2={
            "title": {"text": share_title},
            "overlaying": "y",
            "side": "right",
            "range": [0, 1.05],
            "tickmode": "linear",  # 0%, 20% ... 100%, not ticks synced to the count axis
            "dtick": 0.2,
            "tickformat": ".0%",
            "hoverformat": ".1%",
            "showgrid": False,
        },
    )
    return finish(fig, title=title, y_title=count_title)


def legs_chart(
    scores: Mapping[str, float | None], *, labels: Mapping[str, str], title: str = "", height: int = 150
) -> go.Figure:
    """The three leg scores (0-100) of one supervisor as bars on one scale, so a tipped tripod shows."""
    legs = [leg for leg in LEG_COLOURS if leg in scores]
    values = [scores[leg] for leg in legs]
    fig = go.Figure(
        go.Bar(
            x=[0 if v is None else v for v in values],
            y=[labels.get(leg, leg) for leg in legs],
            orientation="h",
            marker_color=[
                LEG_COLOURS[leg] if v is not None else NEUTRAL for leg, v in zip(legs, values, strict=True)
            ],
            text=["—" if v is None else f"{v:.0f}" for v in values],
            textposition="outside",
            cliponaxis=False,  # a score of 100 keeps its label beside the bar
            hoverinfo="skip",
        )
    )
    fig.update_layout(
        height=height, margin={"l": 8, "r": 32, "t": 32 if title else 8, "b": 8}, showlegend=False
    )
    fig.update_xaxes(range=[0, 112], visible=False)
    fig.update_yaxes(autorange="reversed", rangemode="normal")
    return finish(fig, title=title)


# --- comparing supervisors, satisfaction and complaints, plans (the dashboards' pages) -----


def legend_on_top(fig: go.Figure, *, height: int | None = None) -> go.Figure:
    """The legend in a band of its own between the title and the plot, so the two never overlap."""
    fig.update_layout(
        title={"yref": "container", "y": 0.985, "yanchor": "top"},
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.0,
            "yref": "paper",
            "xanchor": "left",
            "x": 0,
        },
        margin={"t": 92},
    )
    if height is not None:
        fig.update_layout(height=height)
    return fig


def week_ticks(fig: go.Figure, labels: Mapping | None, *, every: int = 2) -> go.Figure:
    """Tick the x axis at the given weeks with the given (translated) labels, one in `every`."""
    if labels:
        weeks = sorted(labels)[::-1][::every][::-1]  # keep the latest week labelled
        fig.update_xaxes(tickvals=weeks, ticktext=[labels[week] for week in weeks])
    return fig


def ranking_chart(
    frame: pd.DataFrame,
    *,
    title: str,
    colour_map: Mapping[str, str],
    names: Mapping[str, str],
    value_title: str,
    value_format: str,
    label: str = "label",
    value: str = "value",
    colour: str = "department_code",
    empty_text: str = "—",
) -> go.Figure:
    """One bar per row in the frame's order (best first, on top), coloured by department."""
    fig = bar_chart(
        frame,
        x=label,
        y=value,
        title=title,
        colour=colour,
        colour_map=colour_map,
        names=names,
        y_title=value_title,
        value_format=value_format,
        horizontal=True,
        stacked=True,  # one bar per row: nothing to group, so no thin offset bars
        empty_text=empty_text,
    )
    if frame.empty:
        return fig
    fig.update_yaxes(categoryorder="array", categoryarray=list(frame[label]), autorange="reversed")
    fig.update_traces(hovertemplate="%{y}<br>%{x}<extra>%{fullData.name}</extra>")
    return legend_on_top(fig, height=180 + 26 * len(frame))


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two boxes (x0, y0, x1, y1) overlap."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def label_positions(
    points: list[tuple[float, float]], labels: list[str], *, limit: float = BALANCE_MAP_RANGE
) -> list[str | None]:
    """A plotly textposition per point so that no code covers another code or another point.

    Points are placed top to bottom; each takes the first of _LABEL_PLACES whose box stays inside
    0..limit and clear of the codes placed so far and of every other point. None: no place is
    free (the point is named by its hover only), or the point has no coordinates.
    """
    right, top = limit * _PX_PER_X, limit * _PX_PER_Y
    centres: list[tuple[float, float] | None] = [
        None if pd.isna(x) or pd.isna(y) else (x * _PX_PER_X, y * _PX_PER_Y) for x, y in points
    ]
    dots = [
        None if c is None else (c[0] - _POINT_R, c[1] - _POINT_R, c[0] + _POINT_R, c[1] + _POINT_R)
        for c in centres
    ]
    known = [i for i, c in enumerate(centres) if c is not None]
    order = sorted(known, key=lambda i: (-points[i][1], points[i][0]))
    placed: list[tuple[float, float, float, float]] = []
    out: list[str | None] = [None] * len(points)
    for i in order:
        x, y = centres[i]  # type: ignore[misc]
        width = _CHAR_PX * max(len(labels[i]), 3)
        for name, side, gap, bottom in _LABEL_PLACES:
            left = {"center": x - width / 2, "right": x + gap, "left": x - gap - width}[side]
            box = (left, y + bottom, left + width, y + bottom + _LABEL_H)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= right and box[3] <= top
            if not inside or any(_overlap(box, other) for other in placed):
                continue
            if any(d is not None and j != i and _overlap(box, d) for j, d in enumerate(dots)):
                continue
            out[i] = name
            placed.append(box)
            break
    return out


def balance_map(
    frame: pd.DataFrame,
    *,
    title: str,
    names: Mapping[str, str],
    x_title: str,
    y_title: str,
    x: str = "team_skills_mean",
    y: str = "score_targets",
    size: str = "team_size",
    diagnosis: str = "diagnosis",
    hover_name: str = "label",
    text: str | None = "code",
    empty_text: str = "—",
) -> go.Figure:
    """A point per supervisor: targets (y) against team and skills (x), sized by team, coloured by diagnosis.

    The dashed diagonal is where targets and the other two legs are level: far above it the
    numbers run ahead of the team, far below it the team is not turned into results. One trace
    per diagnosis whatever the number of points; past BALANCE_MAP_NAMED points they carry no
    code beside them (hover names them), and past BALANCE_MAP_WEBGL they are drawn with WebGL,
    smaller and see-through, so a thousand supervisors still read as a cloud.
    """
    if frame.empty:
        return empty_figure(empty_text, title=title)
    crowded = len(frame) > BALANCE_MAP_WEBGL
    shown = frame.assign(**{diagnosis: frame[diagnosis].fillna("none").astype(str)})
    shown = shown.assign(**{size: shown[size].fillna(0).clip(lower=1)})
    if len(frame) > BALANCE_MAP_NAMED:
        text = None
    fig = scatter_chart(
        shown,
        x=x,
        y=y,
        title=title,
        colour=diagnosis,
        colour_map=DIAGNOSIS_COLOURS,
        names=names,
        size=size,
        hover_name=hover_name,
        x_title=x_title,
        y_title=y_title,
        x_format="score",
        y_format="score",
        render_mode="webgl" if crowded else "auto",
        size_max=12 if crowded else 20,
    )
    if crowded:
        fig.update_traces(marker={"opacity": 0.6, "line": {"width": 0}})
    if text is not None:
        placed = label_positions(
            list(zip(shown[x].astype(float), shown[y].astype(float), strict=True)),
            [str(code) for code in shown[text]],
        )
        where = dict(zip(shown[hover_name], placed, strict=False))
        labels = dict(zip(shown[hover_name], shown[text], strict=False))
        for trace in fig.data:
            positions = [where.get(name) for name in trace.hovertext]
            trace.update(
                # A code with no free place beside its point is left to the hover.
                text=[labels.get(name, "") if pos else "" for name, pos in zip(trace.hovertext, positions)],
                mode="markers+text",
                textposition=[pos or "top center" for pos in positions],
            )
    fig.update_traces(
        hovertemplate=f"<b>%{{hovertext}}</b><br>{x_title}: %{{x:.0f}}<br>{y_title}: %{{y:.0f}}"
        "<extra>%{fullData.name}</extra>"
    )
    fig.add_shape(
        type="line", x0=0, y0=0, x1=100, y1=100, line={"color": GRID_COLOUR, "dash": "dash", "width": 2}
    )
    # Headroom past 100, so a point on the edge keeps its code inside the plot.
    fig.update_xaxes(range=[0, BALANCE_MAP_RANGE])
    fig.update_yaxes(range=[0, BALANCE_MAP_RANGE])
    # The legend below the plot leaves the map the chart's whole width (and the codes room).
    fig.update_layout(
        height=540, legend={"orientation": "h", "yanchor": "top", "y": -0.16, "xanchor": "left", "x": 0}
    )
    return fig


def legs_small_multiples(
    frame: pd.DataFrame,
    *,
    title: str,
    leg_labels: Mapping[str, str],
    panel: str = "label",
    x: str = "week",
    leg: str = "leg",
    y: str = "score",
    columns: int = 4,
    empty_text: str = "—",
) -> go.Figure:
    """One small chart per `panel` (a supervisor) with the three legs as lines over the weeks, on 0–100."""
    if frame.empty:
        return empty_figure(empty_text, title=title)
    legs = [code for code in LEG_COLOURS if code in set(frame[leg])]
    shown = frame.assign(_leg=frame[leg].map(lambda code: leg_labels.get(code, code)))
    panels = list(dict.fromkeys(shown[panel]))
    rows = -(-len(panels) // columns)
    fig = px.line(
        shown,
        x=x,
        y=y,
        color="_leg",
        facet_col=panel,
        facet_col_wrap=columns,
        facet_row_spacing=min(0.12, 0.5 / max(rows, 1)),
        facet_col_spacing=0.04,
        category_orders={"_leg": [leg_labels.get(code, code) for code in legs], panel: panels},
        color_discrete_map={leg_labels.get(code, code): LEG_COLOURS[code] for code in legs},
        template=TEMPLATE_NAME,
        labels={"_leg": "", x: "", y: ""},
    )
    fig.for_each_annotation(lambda note: note.update(text=note.text.split("=", 1)[-1]))
    fig.update_traces(hovertemplate="%{x}: %{y:.0f}<extra>%{fullData.name}</extra>")
    weeks = sorted(set(shown[x]))
    short = [str(week).split("-")[-1] for week in (weeks[0], weeks[-1])]  # 2026-W35 -> W35
    fig.update_yaxes(range=[0, 105], tickvals=[0, 50, 100], title_text="")
    fig.update_xaxes(tickvals=[weeks[0], weeks[-1]], ticktext=short, title_text="", tickfont={"size": 10})
    height = max(300, 180 * rows + 140)
    fig = legend_on_top(finish(fig, title=title), height=height)
    # The legend sits above the first row's panel titles.
    fig.update_layout(legend={"y": 1.0 + 36 / (height - 92 - 48)}, margin={"t": 120})
    return fig


# The line_chart arguments the department-per-week charts pass on unchanged.
_LINE_OPTIONS = (
    "x",
    "y",
    "title",
    "colour",
    "colour_map",
    "names",
    "x_title",
    "y_title",
    "value_format",
    "empty_text",
)


def _department_weeks(
    frame: pd.DataFrame, options: Mapping[str, Any], draw: Callable[[go.Figure], None]
) -> go.Figure:
    """A line per department over the weeks, with what `draw` adds (indicators, spikes) on top.

    `options` holds the caller's arguments (its locals()): the _LINE_OPTIONS go to line_chart,
    `week_labels` labels the x axis. An empty frame gives line_chart's empty figure.
    """
    fig = line_chart(frame, **{key: options[key] for key in _LINE_OPTIONS})
    if frame.empty:
        return fig
    draw(fig)
    return week_ticks(legend_on_top(fig), options["week_labels"])


def csat_against_indicator(
    frame: pd.DataFrame,
    *,
    title: str,
    colour_map: Mapping[str, str],
    names: Mapping[str, str],
    x: str = "week_start",
    y: str = "csat_pct",
    reference: str = "target_pct",
    colour: str = "department_code",
    x_title: str = "",
    y_title: str = "",
    reference_label: str = "",
    value_format: str = "percent",
    week_labels: Mapping | None = None,
    empty_text: str = "—",
    small_sample: str | None = None,
    small_label: str = "",
) -> go.Figure:
    """CSAT per department over the weeks, each department's indicator dashed in its colour.

    `small_sample` names a column holding a marker text ("small sample: 4 surveys") for points
    from too few answers and nothing elsewhere: those points are ringed in grey under the legend
    entry `small_label`, the marker text in their hover.
    """

    def indicators(fig: go.Figure) -> None:
        if small_sample is not None:
            small = frame[frame[small_sample].fillna("").astype(str).ne("") & frame[y].notna()]
            if not small.empty:
                fig.add_scatter(
                    x=small[x],
                    y=small[y],
                    mode="markers",
                    name=small_label,
                    marker={"symbol": "circle-open", "size": 14, "color": NEUTRAL, "line": {"width": 2}},
                    customdata=small[[small_sample]].to_numpy(),
                    hovertemplate="%{customdata[0]}<extra></extra>",
                )
        for code in sorted(frame[colour].astype(str).unique()):
            rows = frame[frame[colour].astype(str) == code].sort_values(x)
            if rows[reference].notna().any():
                fig.add_scatter(
                    x=rows[x],
                    y=rows[reference],
                    mode="lines",
                    name=f"{names.get(code, code)} · {reference_label}",
                    line={"color": colour_map.get(code, NEUTRAL), "dash": "dash", "width": 1.5},
                    showlegend=False,
                    hovertemplate=f"{names.get(code, code)} · {reference_label}: %{{y:.0%}}<extra></extra>",
                )

    return _department_weeks(frame, locals(), indicators)


def complaint_rate_with_spikes(
    frame: pd.DataFrame,
    *,
    title: str,
    colour_map: Mapping[str, str],
    names: Mapping[str, str],
    spike_label: str,
    x: str = "week_start",
    y: str = "complaint_rate",
    colour: str = "department_code",
    spike: str = "is_spike",
    count: str | None = "complaints",
    x_title: str = "",
    y_title: str = "",
    value_format: str = "decimal",
    week_labels: Mapping | None = None,
    empty_text: str = "—",
) -> go.Figure:
    """The complaint rate per department and week, each spike week marked and labelled."""

    def spikes(fig: go.Figure) -> None:
        flagged = frame[frame[spike].fillna(False).astype(bool)]
        if not flagged.empty:
            fig.add_scatter(
                x=flagged[x],
                y=flagged[y],
                mode="markers",
                name=spike_label,
                marker={"symbol": "triangle-up", "size": 14, "color": STATUS_COLOURS["red"]},
                hoverinfo="skip",
            )
        for row in flagged.itertuples(index=False):
            code = str(getattr(row, colour))
            note = f"{spike_label}: {names.get(code, code)}"
            if count is not None:
                note += f" ({getattr(row, count)})"
            fig.add_annotation(
                x=getattr(row, x),
                y=getattr(row, y),
                text=note,
                showarrow=True,
                arrowhead=2,
                ay=-36,
                font={"color": STATUS_COLOURS["red"]},
                bgcolor="rgba(255,255,255,0.85)",
            )

    return _department_weeks(frame, locals(), spikes)


def plan_against_forecast(
    frame: pd.DataFrame,
    *,
    title: str,
    names: Mapping[str, str],
    plan_label: str,
    forecast_label: str,
    recommended_label: str,
    unit: str = "code",
    plan: str = "plan_growth",
    forecast: str = "industry_growth",
    recommended: str = "recommended_growth",
    below: str = "plan_below_forecast",
    y_title: str = "",
    empty_text: str = "—",
) -> go.Figure:
    """Planned growth per unit as bars (red when below the industry forecast), the forecast and the
    recommended growth as markers on each bar."""
    if frame.empty:
        return empty_figure(empty_text, title=title)
    shown = frame.sort_values(unit)
    labels = [names.get(str(code), str(code)) for code in shown[unit]]
    flagged = shown[below].fillna(False).astype(bool)
    fig = go.Figure()
    fig.add_bar(
        x=labels,
        y=shown[plan],
        name=plan_label,
        marker_color=[STATUS_COLOURS["red"] if f else STATUS_COLOURS["green"] for f in flagged],
        texttemplate="%{y:.1%}",
        textposition="inside",
        insidetextanchor="start",
        textfont={"color": "white"},
    )
    fig.add_scatter(
        x=labels,
        y=shown[forecast],
        name=forecast_label,
        mode="markers",
        marker={"symbol": "line-ew-open", "size": 44, "color": TEXT_COLOUR, "line": {"width": 3}},
    )
    fig.add_scatter(
        x=labels,
        y=shown[recommended],
        name=recommended_label,
        mode="markers",
        marker={"symbol": "diamond", "size": 12, "color": DEPARTMENT_PALETTE[0]},
    )
    apply_axis_format(fig, "percent")
    fig.update_layout(height=420)
    return legend_on_top(finish(fig, title=title, y_title=y_title))


def attainment_bars(
    frame: pd.DataFrame,
    *,
    title: str,
    colour_map: Mapping[str, str],
    names: Mapping[str, str],
    target_label: str,
    x: str = "period",
    y: str = "attainment",
    colour: str = "code",
    x_title: str = "",
    y_title: str = "",
    empty_text: str = "—",
) -> go.Figure:
    """Attainment per period as bars grouped by unit, with the 100% line (the target) across."""
    fig = bar_chart(
        frame,
        x=x,
        y=y,
        title=title,
        colour=colour,
        colour_map=colour_map,
        names=names,
        x_title=x_title,
        y_title=y_title,
        value_format="percent",
        empty_text=empty_text,
    )
    if not frame.empty:
        fig.add_hline(
            y=1.0,
            line={"color": STATUS_COLOURS["red"], "dash": "dash", "width": 1.5},
            annotation_text=target_label,
            annotation_position="top left",
        )
    return legend_on_top(fig)


# --- weekly trends and the legs over time (the This week and Supervisor pages) ---------------


def _reference_line(
    fig: go.Figure, frame: pd.DataFrame, x: str, reference: float | str | None, label: str
) -> None:
    """A dashed line to read bars or a line against: a fixed value (100% of target) or a column."""
    if reference is None:
        return
    values = [reference] * len(frame) if isinstance(reference, int | float) else frame[reference]
    if pd.Series(values, dtype="float64").isna().all():
        return
    fig.add_scatter(
        x=frame[x],
        y=values,
        name=label,
        mode="lines",
        line={"color": TEXT_COLOUR, "dash": "dash", "width": 1.5, "shape": "hv"},
        hoverinfo="skip",
    )


def _week_axis(fig: go.Figure, labels: pd.Series) -> None:
    """Weeks in the frame's order, labels level; past eight weeks every other one is labelled."""
    ticks = list(labels)
    shown = ticks if len(ticks) <= 8 else ticks[len(ticks) % 2 == 0 :: 2]
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=ticks,
        tickmode="array",
        tickvals=shown,
        tickangle=0,
    )


def weekly_bars(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    x_title: str = "",
    y_title: str = "",
    value_format: str = "number",
    reference: float | str | None = None,
    reference_label: str = "",
    highlight: str | None = None,
    empty_text: str = "—",
) -> go.Figure:
    """One bar per week in the frame's order; bars where `highlight` is true are drawn red."""
    if frame.empty or frame[y].isna().all():
        return empty_figure(empty_text, title=title)
    flagged = (
        frame[highlight].fillna(False).astype(bool) if highlight else pd.Series(False, index=frame.index)
    )
    fig = go.Figure(
        go.Bar(
            x=frame[x],
            y=frame[y],
            name=y_title,
            marker_color=[STATUS_COLOURS["red"] if f else DEPARTMENT_PALETTE[0] for f in flagged],
        )
    )
    _reference_line(fig, frame, x, reference, reference_label)
    _week_axis(fig, frame[x])
    fig.update_layout(height=320, showlegend=reference is not None)
    apply_axis_format(fig, value_format)
    return finish(fig, title=title, x_title=x_title, y_title=y_title)


def weekly_line(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    x_title: str = "",
    y_title: str = "",
    value_format: str = "percent",
    reference: float | str | None = None,
    reference_label: str = "",
    counts: str | None = None,
    counts_label: str = "",
    empty_text: str = "—",
) -> go.Figure:
    """One value per week as a line with markers; weeks without a value are stepped over.

    `counts` names a column of how many answers stand behind each point, shown on hover: a
    week's share from two answers should not read like one from two hundred.
    """
    if frame.empty or frame[y].isna().all():
        return empty_figure(empty_text, title=title)
    _, hover, _ = VALUE_FORMATS[value_format]
    extra = f"<br>{counts_label}: %{{customdata:,}}" if counts else ""
    fig = go.Figure(
        go.Scatter(
            x=frame[x],
            y=frame[y],
            name=y_title,
            mode="lines+markers",
            line={"color": DEPARTMENT_PALETTE[0]},
            connectgaps=True,
            customdata=frame[counts] if counts else None,
            hovertemplate=f"%{{x}}: %{{y:{hover}}}{extra}<extra></extra>",
        )
    )
    _reference_line(fig, frame, x, reference, reference_label)
    _week_axis(fig, frame[x])
    fig.update_layout(height=320)
    apply_axis_format(fig, value_format)
    return finish(fig, title=title, x_title=x_title, y_title=y_title)


def legs_trend_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    labels: Mapping[str, str],
    title: str,
    x_title: str = "",
    y_title: str = "",
    empty_text: str = "—",
) -> go.Figure:
    """The three leg scores (columns score_targets, score_team, score_skills) week by week on 0-100."""
    columns = [f"score_{leg}" for leg in LEG_COLOURS]
    if frame.empty or frame[columns].isna().all().all():
        return empty_figure(empty_text, title=title)
    fig = go.Figure()
    for leg, colour in LEG_COLOURS.items():
        fig.add_scatter(
            x=frame[x],
            y=frame[f"score_{leg}"],
            name=labels.get(leg, leg),
            mode="lines+markers",
            line={"color": colour},
        )
    _week_axis(fig, frame[x])
    fig.update_yaxes(range=[0, 105], rangemode="normal")
    fig.update_layout(height=340)
    apply_axis_format(fig, "score")
    return finish(fig, title=title, x_title=x_title, y_title=y_title)
