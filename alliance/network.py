"""The collaboration network drawn as SVG: laid out here with networkx, marked up by the template.

Each connected group of institutions is laid out once (a spring layout, seeded), then the
groups are packed in rows twice: on a wide canvas for large screens and on a narrow one for
phones, where the wide drawing would shrink its names to a few pixels. The page shows one of
the two by a CSS media query.

Laying out a few hundred institutions takes a noticeable moment, so the finished picture is
kept in the shared cache, keyed by the public version (``core.pagecache``), the filters and
the language, like the overview's figures: it holds public projects only, for every reader.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
from django.core.cache import cache
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.pagecache import VERSION_KEY
from projects.selectors import CollaborationNetwork, NetworkInstitution, collaboration_network

# More institutions than this make a tangle: the most connected ones are drawn.
NODE_LIMIT = 100
# Likewise the strongest collaborations among them.
EDGE_LIMIT = 300
# The table lists this many of the strongest collaborations.
PAIR_LIMIT = 25
# In the drawing's own units; the SVG scales to its container (viewBox, width 100%).
MARGIN = 16
MIN_RADIUS, MAX_RADIUS = 5.0, 20.0
# Beyond this many nodes the largest shrinks (to half at four times as many).
CROWD = 25
MIN_STROKE, MAX_STROKE = 1.0, 6.0
# A connected group of n institutions gets a box about UNIT·√n wide.
UNIT = 90
ROW_GAP = 16
EMPTY_HEIGHT = 80
# The layout's seed: the same alliance is always drawn the same way.
SEED = 2026
CACHE_TIMEOUT = 10 * 60


@dataclass(frozen=True)
class Canvas:
    """One way to draw: its width, its groups' shape and its names' size and number."""

    slug: str
    width: int
    aspect: float  # a large group's height to its width
    font_size: int
    max_labels: int
    max_chars: int
    label_room: int  # beside a group, for the names at its edge
    # Names never cover a node; else only the named ones (a phone has no room to spare).
    names_avoid_every_node: bool


# A wide screen shows the wide drawing about life-size, a phone the narrow one at about
# 0.8: 16 units stay a readable 12 px or more.
WIDE = Canvas(
    "wide",
    width=800,
    aspect=0.7,
    font_size=14,
    max_labels=30,
    max_chars=28,
    label_room=60,
    names_avoid_every_node=True,
)
NARROW = Canvas(
    "narrow",
    width=400,
    aspect=1.0,
    font_size=16,
    max_labels=14,
    max_chars=16,
    label_room=40,
    names_avoid_every_node=False,
)


@dataclass(frozen=True)
class Label:
    text: str
    x: float
    y: float  # the baseline
    anchor: str  # start or end


@dataclass(frozen=True)
class Node:
    institution: NetworkInstitution
    x: float
    y: float
    radius: float
    chosen: bool  # of the country the reader chose
    title: str  # its name and numbers, shown on hover and read out


@dataclass(frozen=True)
class Pair:
    first: NetworkInstitution
    second: NetworkInstitution
    joint_projects: int
    title: str


@dataclass(frozen=True)
class Edge:
    pair: Pair
    x1: float
    y1: float
    x2: float
    y2: float
    width: float


@dataclass(frozen=True)
class Drawing:
    slug: str
    width: int
    height: int
    font_size: int
    nodes: list[Node]  # the largest last, so that it is drawn on top
    edges: list[Edge]  # the strongest last, likewise
    labels: list[Label]
    # Lines named on hover: a wide screen has a pointer; the phone's copy stays lighter.
    edge_titles: bool


@dataclass(frozen=True)
class NetworkChart:
    title: str
    desc: str
    drawings: list[Drawing]  # wide, then narrow
    institutions: list[NetworkInstitution]  # the table: most projects first
    pairs: list[Pair]  # the table: the strongest collaborations
    total_institutions: int  # before the limit
    total_pairs: int  # among the institutions drawn, before the limit

    @property
    def drawn_institutions(self) -> int:
        return len(self.institutions)

    @property
    def drawn_pairs(self) -> int:
        return min(self.total_pairs, EDGE_LIMIT)

    @property
    def is_limited(self) -> bool:
        return self.drawn_institutions < self.total_institutions

    @property
    def pairs_limited(self) -> bool:
        return self.drawn_pairs < self.total_pairs


def _radius(projects: int, most: int, *, count: int) -> float:
    """A node's area by its projects; smaller nodes where many must share the drawing."""
    largest = MAX_RADIUS if count <= CROWD else max(MAX_RADIUS * math.sqrt(CROWD / count), 10)
    return round(max(MIN_RADIUS, largest * math.sqrt(projects / most)), 1)


def _scale(value: float, largest: float, low: float, high: float) -> float:
    """``low`` to ``high`` by the square root of the share, so that areas compare."""
    if largest <= 1:
        return low
    return round(low + (high - low) * math.sqrt((value - 1) / (largest - 1)), 1)


Shape = dict[int, tuple[float, float]]  # a group's positions, each coordinate from 0 to 1


def _shapes(graph: nx.Graph) -> list[Shape]:
    """Each connected group laid out alone, the largest first.

    One layout of everything would push the groups to the corners and leave the middle
    empty; packed in rows instead, no space is lost between them.
    """
    groups = sorted(
        (graph.subgraph(nodes) for nodes in nx.connected_components(graph)),
        key=lambda group: (-group.number_of_nodes(), min(group.nodes)),
    )
    shapes = []
    for group in groups:
        if group.number_of_nodes() == 1:
            (only,) = group.nodes
            shapes.append({only: (0.0, 0.0)})
            continue
        layout = nx.spring_layout(group, weight="weight", seed=SEED, iterations=100)
        xs = [float(x) for x, _y in layout.values()]
        ys = [float(y) for _x, y in layout.values()]

        def unit(value: float, low: float, high: float) -> float:
            return 0.5 if high - low < 1e-9 else (value - low) / (high - low)

        shapes.append(
            {
                pk: (unit(float(x), min(xs), max(xs)), unit(float(y), min(ys), max(ys)))
                for pk, (x, y) in layout.items()
            }
        )
    return shapes


def _pack(shapes: list[Shape], canvas: Canvas) -> tuple[dict[int, tuple[float, float]], int]:
    """Place the groups in rows across ``canvas``; answer the positions and the height."""
    pad = MAX_RADIUS + 4
    positions: dict[int, tuple[float, float]] = {}
    x, y, row_height = float(MARGIN), float(MARGIN), 0.0
    for shape in shapes:
        n = len(shape)
        width = 0.0 if n == 1 else min(UNIT * math.sqrt(n), canvas.width - 2 * (MARGIN + pad))
        height = 0.0 if n <= 2 else width * canvas.aspect
        box_width, box_height = width + 2 * pad + canvas.label_room, height + 2 * pad
        if x > MARGIN and x + box_width > canvas.width - MARGIN:
            x, y, row_height = float(MARGIN), y + row_height + ROW_GAP, 0.0
        for pk, (px, py) in shape.items():
            positions[pk] = (round(x + pad + px * width, 1), round(y + pad + py * height, 1))
        x += box_width
        row_height = max(row_height, box_height)
    return positions, math.ceil(y + row_height + MARGIN)


Box = tuple[float, float, float, float]


def _overlaps(box: Box, others: list[Box]) -> bool:
    left, top, right, bottom = box
    return any(
        left < o_right and o_left < right and top < o_bottom and o_top < bottom
        for o_left, o_top, o_right, o_bottom in others
    )


def _labels(nodes: list[Node], canvas: Canvas, *, height: int) -> list[Label]:
    """Names of the largest nodes, each where it overlaps no other name and no node, or none."""
    largest_first = sorted(nodes, key=lambda n: (-n.radius, n.institution.name.casefold()))
    named = largest_first[: canvas.max_labels]
    taken: list[Box] = [
        (n.x - n.radius, n.y - n.radius, n.x + n.radius, n.y + n.radius)
        for n in (nodes if canvas.names_avoid_every_node else named)
    ]
    labels: list[Label] = []
    size = canvas.font_size
    for node in named:
        text = Truncator(node.institution.short_name).chars(canvas.max_chars)
        # An estimate of the text's extent: about 0.6 em per character in a sans-serif.
        text_width = 0.6 * size * len(text)
        gap = node.radius + 3
        own = (
            node.x - node.radius,
            node.y - node.radius,
            node.x + node.radius,
            node.y + node.radius,
        )
        others = [box for box in taken if box != own]
        # Above or below, a name near the edge moves inwards rather than out of the drawing.
        centred = min(max(node.x - text_width / 2, 0), canvas.width - text_width)
        # The left and top of the name's box, its anchor and baseline: right, left, above, below.
        candidates = [
            (node.x + gap, node.y - size / 2, "start", node.x + gap, node.y + size / 3),
            (node.x - gap - text_width, node.y - size / 2, "end", node.x - gap, node.y + size / 3),
            (centred, node.y - gap - size, "start", centred, node.y - gap),
            (centred, node.y + gap, "start", centred, node.y + gap + size * 0.8),
        ]
        for left, top, anchor, x, y in candidates:
            box = (left, top, left + text_width, top + size)
            inside = left >= 0 and top >= 0 and box[2] <= canvas.width and box[3] <= height
            if inside and not _overlaps(box, others):
                labels.append(Label(text=text, x=round(x, 1), y=round(y, 1), anchor=anchor))
                taken.append(box)
                break
    return labels


def _describe(institutions: list[NetworkInstitution], pairs: list[Pair]) -> str:
    if not institutions:
        return _("No public projects yet.")
    most = sorted(institutions, key=lambda i: (-i.partners, -i.projects, i.name.casefold()))[:3]
    parts = [
        ngettext(
            "%(count)d institution with public projects",
            "%(count)d institutions with public projects",
            len(institutions),
        )
        % {"count": len(institutions)}
    ]
    parts.append(
        _("the most connected: %(names)s")
        % {
            "names": ", ".join(
                ngettext(
                    "%(name)s (%(count)d partner)", "%(name)s (%(count)d partners)", i.partners
                )
                % {"name": i.name, "count": i.partners}
                for i in most
            )
        }
    )
    if pairs:
        strongest = pairs[0]
        parts.append(
            ngettext(
                "the strongest collaboration: %(first)s and %(second)s, %(count)d joint project",
                "the strongest collaboration: %(first)s and %(second)s, %(count)d joint projects",
                strongest.joint_projects,
            )
            % {
                "first": strongest.first.name,
                "second": strongest.second.name,
                "count": strongest.joint_projects,
            }
        )
    return "; ".join(parts) + "."


def _node_title(institution: NetworkInstitution) -> str:
    projects = ngettext(
        "%(count)d public project", "%(count)d public projects", institution.projects
    ) % {"count": institution.projects}
    partners = ngettext("%(count)d partner", "%(count)d partners", institution.partners) % {
        "count": institution.partners
    }
    return _("%(name)s: %(projects)s, %(partners)s") % {
        "name": institution.name,
        "projects": projects,
        "partners": partners,
    }


def _pair(a: NetworkInstitution, b: NetworkInstitution, weight: int) -> Pair:
    first, second = (a, b) if a.name.casefold() <= b.name.casefold() else (b, a)
    title = ngettext(
        "%(first)s and %(second)s: %(count)d joint project",
        "%(first)s and %(second)s: %(count)d joint projects",
        weight,
    ) % {"first": first.name, "second": second.name, "count": weight}
    return Pair(first=first, second=second, joint_projects=weight, title=title)


def _drawing(
    canvas: Canvas,
    shapes: list[Shape],
    institutions: list[NetworkInstitution],
    pairs: list[Pair],
    *,
    country: str,
) -> Drawing:
    positions, height = _pack(shapes, canvas) if shapes else ({}, EMPTY_HEIGHT)
    most_projects = max((i.projects for i in institutions), default=0)
    heaviest = pairs[0].joint_projects if pairs else 0
    nodes = sorted(
        (
            Node(
                institution=i,
                x=positions[i.pk][0],
                y=positions[i.pk][1],
                radius=_radius(i.projects, most_projects, count=len(institutions)),
                chosen=bool(country) and i.country == country,
                title=_node_title(i),
            )
            for i in institutions
        ),
        key=lambda n: (n.radius, n.institution.name.casefold()),
    )
    edges = [
        Edge(
            pair=pair,
            x1=positions[pair.first.pk][0],
            y1=positions[pair.first.pk][1],
            x2=positions[pair.second.pk][0],
            y2=positions[pair.second.pk][1],
            width=_scale(pair.joint_projects, heaviest, MIN_STROKE, MAX_STROKE),
        )
        for pair in pairs[:EDGE_LIMIT]
    ]
    return Drawing(
        slug=canvas.slug,
        width=canvas.width,
        height=height,
        font_size=canvas.font_size,
        nodes=nodes,
        edges=edges[::-1],
        labels=_labels(nodes, canvas, height=height),
        edge_titles=canvas is WIDE,
    )


def network_chart(network: CollaborationNetwork, *, country: str = "") -> NetworkChart:
    """Lay ``network`` out: the most connected institutions as nodes, shared projects as edges."""
    # The chosen country's institutions first, then the most connected.
    ranked = sorted(
        network.institutions,
        key=lambda i: (i.country != country, -i.partners, -i.projects, i.name.casefold()),
    )
    drawn = {i.pk: i for i in ranked[:NODE_LIMIT]}
    pairs = sorted(
        (
            _pair(drawn[a], drawn[b], weight)
            for (a, b), weight in network.joint_projects.items()
            if a in drawn and b in drawn
        ),
        key=lambda p: (-p.joint_projects, p.first.name.casefold(), p.second.name.casefold()),
    )
    graph = nx.Graph()
    graph.add_nodes_from(sorted(drawn))
    graph.add_weighted_edges_from((p.first.pk, p.second.pk, p.joint_projects) for p in pairs)
    shapes = _shapes(graph)
    institutions = sorted(
        drawn.values(), key=lambda i: (-i.projects, -i.partners, i.name.casefold())
    )
    return NetworkChart(
        title=_("Who works with whom"),
        desc=_describe(institutions, pairs),
        drawings=[
            _drawing(canvas, shapes, institutions, pairs, country=country)
            for canvas in (WIDE, NARROW)
        ],
        institutions=institutions,
        pairs=pairs[:PAIR_LIMIT],
        total_institutions=len(network.institutions),
        total_pairs=len(pairs),
    )


def network_chart_cached(*, focus_area: str = "", country: str = "") -> NetworkChart:
    """``network_chart`` of the public projects, from the cache while no public data changed."""
    version = cache.get(VERSION_KEY)

    def draw() -> NetworkChart:
        return network_chart(
            collaboration_network(focus_area=focus_area, country=country), country=country
        )

    if version is None:
        return draw()
    # Names and the text alternative are translated: keyed by the language as well.
    key = f"alliance:network:{version}:{translation.get_language()}:{focus_area}:{country}"
    chart = cache.get(key)
    if chart is None:
        chart = draw()
        cache.set(key, chart, CACHE_TIMEOUT)
    return chart
