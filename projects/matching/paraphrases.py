"""A paraphrase quality set for partner matching: topics described in two vocabularies.

Each topic has a competence, three experts whose profiles use one vocabulary (``own``), and
a paraphrase of the same work in other words (``other``) that shares no content word with
it. A proposal written in ``own`` words is the control; one written in ``other`` words is
what a lead who does not know the experts' jargon writes. Distractor researchers write
about unrelated fields, with the incidental words ("set up", "test set", "tools") that
used to let a stray term outrank the experts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    slug: str
    competence: str
    own: tuple[str, str, str, str]  # four phrases in the experts' vocabulary
    other: tuple[str, str, str, str]  # the same four ideas in other words


TOPICS: tuple[Topic, ...] = (
    Topic(
        "grasping",
        "Robot grasping",
        (
            "robot grasping with tactile sensing",
            "grasp planning for robotic hands",
            "slip detection in the gripper",
            "pick and place of fragile objects",
        ),
        (
            "dexterous manipulation using touch sensors",
            "deciding how mechanical fingers should hold an item",
            "noticing when a held thing starts sliding",
            "moving delicate goods from one bin to another",
        ),
    ),
    Topic(
        "protein",
        "Protein structure prediction",
        (
            "protein structure prediction",
            "folding of amino acid chains",
            "molecular dynamics of enzymes",
            "drug binding sites",
        ),
        (
            "computing the three-dimensional shape of biomolecules",
            "how peptide sequences take their final form",
            "simulating the motion of catalysts in cells",
            "where medicines attach to their targets",
        ),
    ),
    Topic(
        "climate",
        "Climate modelling",
        (
            "climate model downscaling",
            "regional precipitation forecasts",
            "global warming scenarios",
            "atmospheric circulation simulation",
        ),
        (
            "refining coarse weather projections to local resolution",
            "predicting rainfall in a particular area",
            "future temperature rise pathways",
            "modelling how air masses move around the planet",
        ),
    ),
    Topic(
        "speech",
        "Speech recognition",
        (
            "automatic speech recognition",
            "acoustic models for spoken language",
            "transcription of noisy audio",
            "voice assistants",
        ),
        (
            "turning talk into written words by computer",
            "statistical representations of uttered sounds",
            "writing down what people say in loud rooms",
            "conversational helpers that listen to users",
        ),
    ),
    Topic(
        "translation",
        "Machine translation",
        (
            "neural machine translation",
            "multilingual translation models",
            "low resource languages",
            "parallel corpora alignment",
        ),
        (
            "automatically rendering documents from one tongue into another",
            "systems that convert between many idioms at once",
            "dialects with little written material",
            "matching sentences across bilingual collections",
        ),
    ),
    Topic(
        "fraud",
        "Fraud detection",
        (
            "credit card fraud detection",
            "anomaly detection in payments",
            "money laundering patterns",
            "transaction risk scoring",
        ),
        (
            "spotting stolen bank cards when they are used",
            "finding unusual purchases among financial transfers",
            "criminals hiding illicit cash flows",
            "rating how suspicious a purchase looks",
        ),
    ),
    Topic(
        "vision",
        "Medical image segmentation",
        (
            "medical image segmentation",
            "tumour delineation in MRI scans",
            "radiology deep learning",
            "annotated CT datasets",
        ),
        (
            "outlining organs in hospital pictures",
            "marking cancer boundaries in magnetic resonance images",
            "neural networks that read x-rays",
            "labelled tomography collections",
        ),
    ),
    Topic(
        "compilers",
        "Compiler optimisation",
        (
            "compiler optimisation",
            "loop vectorisation",
            "intermediate representation passes",
            "code generation for accelerators",
        ),
        (
            "making translated programs run faster",
            "turning repeated iterations into parallel arithmetic",
            "rewriting the program form between source and machine code",
            "emitting instructions for GPUs and other special chips",
        ),
    ),
    Topic(
        "privacy",
        "Differential privacy",
        (
            "differential privacy",
            "private statistics release",
            "noise calibration for queries",
            "membership inference attacks",
        ),
        (
            "mathematical guarantees that individuals stay anonymous",
            "publishing census figures without exposing anyone",
            "adding randomness so answers reveal little",
            "guessing whether a person's record was in the training data",
        ),
    ),
    Topic(
        "energy",
        "Smart grids",
        (
            "smart grid load balancing",
            "electricity demand forecasting",
            "battery storage scheduling",
            "renewable generation integration",
        ),
        (
            "keeping power networks stable as consumption shifts",
            "predicting how much current households will draw",
            "deciding when accumulators charge and discharge",
            "connecting wind farms and solar panels to the network",
        ),
    ),
    Topic(
        "chemistry",
        "Catalyst discovery",
        (
            "catalyst discovery",
            "density functional theory screening",
            "reaction yield optimisation",
            "materials synthesis",
        ),
        (
            "finding substances that speed up chemical reactions",
            "quantum mechanical calculations of many candidate compounds",
            "getting more product out of each chemical process",
            "making new crystals and alloys in the laboratory",
        ),
    ),
    Topic(
        "recsys",
        "Recommender systems",
        (
            "recommender systems",
            "collaborative filtering",
            "click through rate prediction",
            "personalised ranking",
        ),
        (
            "suggesting products a shopper might like",
            "inferring tastes from what similar customers bought",
            "estimating whether a visitor will press an advert",
            "ordering search results differently for each person",
        ),
    ),
    Topic(
        "agri",
        "Precision agriculture",
        (
            "precision agriculture",
            "crop yield estimation",
            "soil moisture sensing",
            "drone imagery of fields",
        ),
        (
            "farming with targeted inputs for every plot",
            "predicting the harvest of wheat and maize",
            "measuring how wet the ground is",
            "aerial photographs of farmland taken by small aircraft",
        ),
    ),
    Topic(
        "quantum",
        "Quantum error correction",
        (
            "quantum error correction",
            "surface codes",
            "qubit decoherence",
            "fault tolerant quantum computing",
        ),
        (
            "protecting fragile quantum information from faults",
            "lattice schemes that encode one logical bit in many physical ones",
            "superconducting circuits losing their state",
            "reliable computation on imperfect quantum hardware",
        ),
    ),
    Topic(
        "legal",
        "Legal text analysis",
        (
            "legal document analysis",
            "contract clause extraction",
            "case law retrieval",
            "statute interpretation",
        ),
        (
            "reading court rulings and agreements automatically",
            "pulling obligations out of signed agreements",
            "finding earlier judgements that resemble a dispute",
            "understanding what parliament's acts require",
        ),
    ),
    Topic(
        "traffic",
        "Traffic forecasting",
        (
            "traffic forecasting",
            "road congestion prediction",
            "public transport routing",
            "travel time estimation",
        ),
        (
            "anticipating how busy streets will be",
            "knowing in advance where cars will queue",
            "planning bus and tram journeys",
            "guessing how long a commute will take",
        ),
    ),
)

# Fields of the distractors: none is a topic, and several share an incidental word with one.
DISTRACTOR_FIELDS: tuple[str, ...] = (
    "medieval manuscripts and the history of printing",
    "set theory and mathematical logic",
    "open source tools for data visualisation",
    "machine learning benchmarks and test sets",
    "sustainable architecture and timber buildings",
    "ocean acidification and coral reefs",
    "labour economics and minimum wage policy",
    "ancient Greek philosophy",
    "volcanology and magma chambers",
    "software engineering education",
    "urban sociology and housing markets",
    "bird migration and animal tracking",
    "graph theory and combinatorics",
    "music information retrieval",
    "cryptographic hash functions",
    "cosmology and dark matter surveys",
    "operating system kernels and file systems",
    "sports science and athlete performance",
    "computational linguistics of poetry",
    "supply chain logistics and warehousing",
    "structural engineering of bridges",
    "epidemiology of infectious diseases",
    "human computer interaction and usability studies",
    "databases and query optimisation",
    "philosophy of science",
    "game theory and auctions",
    "semiconductor device physics",
    "hydrology and groundwater",
    "developmental psychology of children",
    "art history of the Renaissance",
)
DISTRACTOR_CLAUSES: tuple[str, ...] = (
    "I set up shared tools for my group.",
    "We maintain a public test set.",
    "I teach machine learning to undergraduates.",
    "Our lab builds software tools and open data.",
    "I like to set up collaborations across the alliance.",
    "We publish reproducible results and code.",
)

# How many researchers the synthetic alliance holds besides the 48 experts (510 in all).
DISTRACTORS = 462


def expert_bio(topic: Topic, k: int) -> str:
    """The k-th expert's profile: the topic in its own words, each expert in another order."""
    a, b, c, d = topic.own
    return (
        f"I work on {a} and {(b, c, d)[k]}.",
        f"My group studies {a}, {c} and {d}.",
        f"Research interests: {b}; {a}; {d}.",
    )[k]


def own_proposal(topic: Topic) -> tuple[str, str]:
    """Title and summary of a proposal in the experts' own words (the control)."""
    a, b, c, d = topic.own
    return a.capitalize(), f"We look for partners in {a}, {b} and {c}, aiming at {d}."


def paraphrased_proposal(topic: Topic) -> tuple[str, str]:
    """Title and summary of the same proposal in other words."""
    a, b, c, d = topic.other
    return a.capitalize(), f"We look for partners in {a}, {b} and {c}, aiming at {d}."
