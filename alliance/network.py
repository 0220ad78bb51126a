"""The collaboration network drawn as SVG: laid out here with networkx, marked up by the template.

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

# The drawing's own units; the SVG scales to its container (viewBox, width 100%).
WIDTH = 800
HEIGHT = 600
MARGIN = 24
# More institutions than this make a tangle: the most connected ones are drawn.
NODE_LIMIT = 100
# Likewise the strongest collaborations among them.
EDGE_LIMIT = 300
# The table lists this many of the strongest collaborations.
PAIR_LIMIT = 25
MIN_RADIUS, MAX_RADIUS = 4.0, 18.0
MIN_STROKE, MAX_STROKE = 1.0, 6.0
# The layout's seed: the same alliance is always drawn the same way.
SEED = 2026
CACHE_TIMEOUT = 10 * 60


@dataclass(frozen=True)
class LabelSet:
    """Names beside the largest nodes, sized for one screen width (a CSS media query picks)."""

    font_size: int
    max_labels: int
    max_chars: int


# A wide screen shows the drawing about life-size; a phone about 0.4 times, hence fewer,
# larger names there.
WIDE = LabelSet(font_size=13, max_labels=30, max_chars=28)
NARROW = LabelSet(font_size=30, max_labels=7, max_chars=14)


@dataclass(frozen=True)
class Label:
    text: str
    x: float
    y: float
    anchor: str  # start, middle or end


@dataclass(frozen=True)
class Node:
    institution: NetworkInstitution
    x: float
    y: float
    radius: float
    chosen: bool  # of the country the reader chose
    title: str  # its name and numbers, shown on hover and read out


@dataclass(frozen=True)
class Edge:
    first: NetworkInstitution
    second: NetworkInstitution
    joint_projects: int
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    title: str


@dataclass(frozen=True)
class NetworkChart:
    title: str
    desc: str
    nodes: list[Node]  # the largest last, so that it is drawn on top
    edges: list[Edge]
    wide_labels: list[Label]
    narrow_labels: list[Label]
    institutions: list[NetworkInstitution]  # the table: most projects first
    pairs: list[Edge]  # the table: the strongest collaborations
    total_institutions: int  # before the limit
    total_edges: int  # among the institutions drawn, before the limit
    width: int = WIDTH
    height: int = HEIGHT
    wide_font_size: int = WIDE.font_size
    narrow_font_size: int = NARROW.font_size

    @property
    def is_limited(self) -> bool:
        return len(self.nodes) < self.total_institutions

    @property
    def edges_limited(self) -> bool:
        return len(self.edges) < self.total_edges


def _scale(value: float, largest: float, low: float, high: float) -> float:
    """``low`` to ``high`` by the square root of the share, so that areas compare."""
    if largest <= 1:
        return low
    return round(low + (high - low) * math.sqrt((value - 1) / (largest - 1)), 1)


def _positions(graph: nx.Graph) -> dict[int, tuple[float, float]]:
    """Spring layout, stretched to the drawing with room for the largest node."""
    if graph.number_of_nodes() == 1:
        (only,) = graph.nodes
        return {only: (WIDTH / 2, HEIGHT / 2)}
    # Spread by the number of nodes: an empty alliance corner is worse than a crowded one.
    spread = 2 / math.sqrt(graph.number_of_nodes())
    layout = nx.spring_layout(graph, k=spread, weight="weight", seed=SEED, iterations=100)
    xs = [float(x) for x, _y in layout.values()]
    ys = [float(y) for _x, y in layout.values()]
    pad = MARGIN + MAX_RADIUS

    def stretch(value: float, low: float, high: float, size: int) -> float:
        if high - low < 1e-9:
            return size / 2
        return round(pad + (value - low) / (high - low) * (size - 2 * pad), 1)

    return {
        pk: (
            stretch(float(x), min(xs), max(xs), WIDTH),
            stretch(float(y), min(ys), max(ys), HEIGHT),
        )
        for pk, (x, y) in layout.items()
    }


Box = tuple[float, float, float, float]


def _overlaps(box: Box, others: list[Box]) -> bool:
    left, top, right, bottom = box
    return any(
        left < o_right and o_left < right and top < o_bottom and o_top < bottom
        for o_left, o_top, o_right, o_bottom in others
    )


def _labels(nodes: list[Node], size: LabelSet) -> list[Label]:
    """Names of the largest nodes, each where it overlaps no other name and no node, or none."""
    taken: list[Box] = [
        (n.x - n.radius, n.y - n.radius, n.x + n.radius, n.y + n.radius) for n in nodes
    ]
    labels: list[Label] = []
    largest_first = sorted(nodes, key=lambda n: (-n.radius, n.institution.name.casefold()))
    for node in largest_first[: size.max_labels]:
        text = Truncator(node.institution.short_name).chars(size.max_chars)
        # An estimate of the text's extent: about 0.6 em per character in a sans-serif.
        width, height = 0.6 * size.font_size * len(text), size.font_size
        gap = node.radius + 3
        own = (
            node.x - node.radius,
            node.y - node.radius,
            node.x + node.radius,
            node.y + node.radius,
        )
        others = [box for box in taken if box != own]
        candidates = [
            (node.x + gap, node.y + height / 3, "start", node.x + gap, node.y - height / 2),
            (node.x - gap, node.y + height / 3, "end", node.x - gap - width, node.y - height / 2),
            (node.x, node.y - gap, "middle", node.x - width / 2, node.y - gap - height),
            (node.x, node.y + gap + height * 0.8, "middle", node.x - width / 2, node.y + gap),
        ]
        for x, y, anchor, left, top in candidates:
            box = (left, top, left + width, top + height)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= WIDTH and box[3] <= HEIGHT
            if inside and not _overlaps(box, others):
                labels.append(Label(text=text, x=round(x, 1), y=round(y, 1), anchor=anchor))
                taken.append(box)
                break
    return labels


def _describe(institutions: list[NetworkInstitution], pairs: list[Edge]) -> str:
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


def _by_name(
    a: NetworkInstitution, b: NetworkInstitution
) -> tuple[NetworkInstitution, NetworkInstitution]:
    return (a, b) if a.name.casefold() <= b.name.casefold() else (b, a)


def network_chart(network: CollaborationNetwork, *, country: str = "") -> NetworkChart:
    """Lay ``network`` out: the most connected institutions as nodes, shared projects as edges."""
    ranked = sorted(
        network.institutions, key=lambda i: (-i.partners, -i.projects, i.name.casefold())
    )
    drawn = {i.pk: i for i in ranked[:NODE_LIMIT]}
    weighted = sorted(
        (
            (weight, *_by_name(drawn[a], drawn[b]))
            for (a, b), weight in network.joint_projects.items()
            if a in drawn and b in drawn
        ),
        key=lambda edge: (-edge[0], edge[1].name.casefold(), edge[2].name.casefold()),
    )
    graph = nx.Graph()
    graph.add_nodes_from(sorted(drawn))
    graph.add_weighted_edges_from((a.pk, b.pk, weight) for weight, a, b in weighted)
    positions = _positions(graph) if drawn else {}
    most_projects = max((i.projects for i in drawn.values()), default=0)
    heaviest = weighted[0][0] if weighted else 0
    nodes = sorted(
        (
            Node(
                institution=i,
                x=positions[i.pk][0],
                y=positions[i.pk][1],
                radius=_scale(i.projects, most_projects, MIN_RADIUS, MAX_RADIUS),
                chosen=bool(country) and i.country == country,
                title=_node_title(i),
            )
            for i in drawn.values()
        ),
        key=lambda n: (n.radius, n.institution.name.casefold()),
    )
    edges = [
        Edge(
            first=a,
            second=b,
            joint_projects=weight,
            x1=positions[a.pk][0],
            y1=positions[a.pk][1],
            x2=positions[b.pk][0],
            y2=positions[b.pk][1],
            width=_scale(weight, heaviest, MIN_STROKE, MAX_STROKE),
            title=ngettext(
                "%(first)s and %(second)s: %(count)d joint project",
                "%(first)s and %(second)s: %(count)d joint projects",
                weight,
            )
            % {"first": a.name, "second": b.name, "count": weight},
        )
        for weight, a, b in weighted
    ]
    institutions = sorted(
        drawn.values(), key=lambda i: (-i.projects, -i.partners, i.name.casefold())
    )
    return NetworkChart(
        title=_("Who works with whom"),
        desc=_describe(list(drawn.values()), edges),
        nodes=nodes,
        # The strongest last, so that they are drawn on top.
        edges=edges[:EDGE_LIMIT][::-1],
        wide_labels=_labels(nodes, WIDE),
        narrow_labels=_labels(nodes, NARROW),
        institutions=institutions,
        pairs=edges[:PAIR_LIMIT],
        total_institutions=len(network.institutions),
        total_edges=len(edges),
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
