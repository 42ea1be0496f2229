"""The workflow diagram: an accessible inline SVG of any workflow definition, its states laid out
in columns by breadth-first distance from the initial state, the current state highlighted."""
from __future__ import annotations

from collections import deque
from textwrap import wrap

from markupsafe import Markup, escape

from engine.core.definitions import WorkflowDef

BOX_W, GAP_X, GAP_Y, LINE, ARC, MARGIN = 150, 96, 36, 15, 26, 16
INK, BRAND, MUTED = "#1b1b1b", "#1d4f6e", "#505a5f"
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"'
HALO = 'stroke="#fff" stroke-width="4" stroke-linejoin="round" paint-order="stroke"'

Edges = dict[tuple[str, str], list[str]]


def state_diagram(workflow: WorkflowDef, current: str) -> Markup:
    """The workflow as an inline SVG (role="img", described in words), `current` marked."""
    loops, edges = _edges(workflow)
    hubs = _hubs(workflow, edges)
    place = _columns(workflow, edges, hubs)
    title = {name: state.title for name, state in workflow.states.items()}
    loop_lines = {s: [line for t in ts for line in _wrap(f"↻ {t}", 20)] for s, ts in loops.items()}
    box_h = 14 + LINE * (2 + max((len(v) for v in loop_lines.values()), default=0))
    back = [ARC * (place[s][0] - place[d][0] or 1) + LINE * len(_wrap(" / ".join(ts), 24))
            for (s, d), ts in edges.items() if d not in hubs and place[d][0] <= place[s][0]]
    top = MARGIN + max(back, default=0)
    xy = {name: (MARGIN + col * (BOX_W + GAP_X), top + row * (box_h + GAP_Y))
          for name, (col, row) in place.items()}
    columns = max(col for col, _ in place.values()) + 1
    width = 2 * MARGIN + columns * BOX_W + (columns - 1) * GAP_X
    hub_y = max(y for _, y in xy.values()) + box_h + 3 * GAP_Y
    for index, hub in enumerate(hubs):
        xy[hub] = ((width - len(hubs) * (BOX_W + GAP_X) + GAP_X) / 2
                   + index * (BOX_W + GAP_X), hub_y)
    height = max(y for _, y in xy.values()) + box_h + MARGIN

    marker = f"sw-arrow-{workflow.name}"
    parts = [_edge(source, dest, " / ".join(titles), xy, place, edges, hubs, box_h, marker)
             for (source, dest), titles in edges.items()]
    for hub in hubs:
        into = " / ".join(dict.fromkeys(t for (_, d), ts in edges.items() if d == hub for t in ts))
        parts.append(_text(xy[hub][0] + BOX_W + 8, hub_y + box_h / 2 + 4, [into], 11, INK,
                           anchor="start"))
        width = max(width, xy[hub][0] + BOX_W + 16 + 7 * len(into))
    parts += [_box(x, y, box_h, title[name], loop_lines.get(name, []), name == current)
              for name, (x, y) in xy.items()]

    words = [f"{title[s]} → {title[d]} ({' / '.join(ts)})" for (s, d), ts in edges.items()]
    words += [f"{title[s]} stays {title[s]} ({t})" for s, ts in loops.items() for t in ts]
    summary = escape(f"Workflow {workflow.title}: {'; '.join(words)}; "
                     f"current state: {title.get(current, current)}.")
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="diagram" role="img" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'aria-label="{summary}" {FONT}><title>{summary}</title>'
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{MUTED}"/></marker></defs>{"".join(parts)}</svg>')


def _edge(source: str, dest: str, label: str, xy: dict, place: dict, edges: Edges,
          hubs: list[str], box_h: float, marker: str) -> str:
    """One arrow (and its label): forward, within a column, backward, or into a hub."""
    (x1, y1), (x2, y2) = xy[source], xy[dest]
    lines, at = _wrap(label, 24), None
    if dest in hubs:  # a fan into a shared end state, labelled once beside it
        sources = [s for s, d in edges if d == dest]
        x2 += BOX_W * (sources.index(source) + 1) / (len(sources) + 1)
        path = f"M{x1 + BOX_W / 2:.0f},{y1 + box_h:.0f} L{x2:.0f},{y2:.0f}"
    elif place[dest][0] > place[source][0]:  # one column on: a straight arrow
        lines = _wrap(label)
        path = f"M{x1 + BOX_W:.0f},{y1 + box_h / 2:.0f} L{x2:.0f},{y2 + box_h / 2:.0f}"
        at = ((x1 + BOX_W + x2) / 2, (y1 + y2 + box_h) / 2 - 6 - LINE * (len(lines) - 1))
    elif place[dest][0] == place[source][0]:  # same column: a bow to the right
        bend, middle = x1 + BOX_W + GAP_X * 0.7, (y1 + y2 + box_h) / 2
        path = (f"M{x1 + BOX_W:.0f},{y1 + box_h * .3:.0f} Q{bend:.0f},{middle:.0f} "
                f"{x2 + BOX_W:.0f},{y2 + box_h * .7:.0f}")
        at = (bend - GAP_X * 0.2, middle)
    else:  # backwards: an arc over the boxes, higher the further back it goes
        rise = ARC * (place[source][0] - place[dest][0])
        sx, ex, base = x1 + BOX_W * .35, x2 + BOX_W * .65, min(y1, y2)
        path = f"M{sx:.0f},{y1:.0f} Q{(sx + ex) / 2:.0f},{base - 2 * rise:.0f} {ex:.0f},{y2:.0f}"
        at = ((sx + ex) / 2, base - rise - 4 - LINE * (len(lines) - 1))
    arrow = (f'<path d="{path}" fill="none" stroke="{MUTED}" stroke-width="1.5" '
             f'marker-end="url(#{marker})"/>')
    return arrow + (_text(at[0], at[1], lines, 11, INK, extra=HALO) if at else "")


def _edges(workflow: WorkflowDef) -> tuple[dict[str, list[str]], Edges]:
    """Transition titles by (source, dest); self-loops apart, by state. A step only the
    system takes (a timer's) reads "when due: …": "↻ Acknowledgement overdue" in the Received
    box read as if the complaint already were."""
    loops: dict[str, list[str]] = {}
    edges: Edges = {}
    for transition in workflow.transitions.values():
        title = transition.title
        if transition.roles == {"system"}:
            title = f"when due: {title[:1].lower()}{title[1:]}"
        for source in transition.sources:
            if source == transition.dest:
                loops.setdefault(source, []).append(title)
            else:
                edges.setdefault((source, transition.dest), []).append(title)
    return loops, edges


def _hubs(workflow: WorkflowDef, edges: Edges) -> list[str]:
    """End states entered from three or more states: drawn in a row of their own, below."""
    return [name for name, state in workflow.states.items()
            if state.final and not any(s == name for s, _ in edges)
            and sum(d == name for _, d in edges) >= 3]


def _columns(workflow: WorkflowDef, edges: Edges, hubs: list[str]) -> dict[str, tuple[int, int]]:
    """(column, row) of every state but the hubs: column = distance from the initial state."""
    depth, queue = {workflow.initial: 0}, deque([workflow.initial])
    while queue:
        state = queue.popleft()
        for source, dest in edges:
            if source == state and dest not in depth and dest not in hubs:
                depth[dest] = depth[state] + 1
                queue.append(dest)
    place: dict[str, tuple[int, int]] = {}
    for name in workflow.states:
        if name not in hubs:
            column = depth.get(name, max(depth.values()) + 1)  # unreachable: still drawn
            place[name] = (column, sum(c == column for c, _ in place.values()))
    return place


def _wrap(text: str, width: int = 16) -> list[str]:
    """Words into lines of about `width` characters (labels must fit between the boxes)."""
    return wrap(text, width, break_long_words=False) or [""]


def _text(x: float, y: float, lines: list[str], size: int, fill: str, *,
          anchor: str = "middle", weight: str = "normal", extra: str = "") -> str:
    spans = "".join(f'<tspan x="{x:.0f}" dy="{LINE if i else 0}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return (f'<text x="{x:.0f}" y="{y:.0f}" font-size="{size}" font-weight="{weight}" '
            f'fill="{fill}" text-anchor="{anchor}" {extra}>{spans}</text>')


def _box(x: float, y: float, h: float, title: str, loops: list[str], current: bool) -> str:
    fill, ink = (BRAND, "#fff") if current else ("#fff", INK)
    lines = [_text(x + BOX_W / 2, y + 20, [title], 13, ink, weight="bold")]
    if loops:
        lines.append(_text(x + BOX_W / 2, y + 20 + LINE, loops, 11, ink))
    if current:
        lines.append(_text(x + BOX_W / 2, y + h - 8, ["● current state"], 11, ink,
                           weight="bold"))
    return (f'<g><rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{h:.0f}" rx="6" '
            f'fill="{fill}" stroke="{INK}" stroke-width="{4 if current else 1.5}"/>'
            f'{"".join(lines)}</g>')
