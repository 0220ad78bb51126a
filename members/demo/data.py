"""The demo alliance as plain Python structures: vocabulary, institutions and people.

The people are invented; the institutions are real except two with ``.example`` domains
(an applicant and a suspended member), and their descriptions are short summaries of their
public AI work written for this demo.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from members.enums import (
    InstitutionKind,
    InstitutionStatus,
    Language,
    MembershipRole,
    MembershipStatus,
)

DEMO_PASSWORD = "alliance-demo-2026"

COMPANY = InstitutionKind.COMPANY
UNIVERSITY = InstitutionKind.UNIVERSITY
RESEARCH_INSTITUTE = InstitutionKind.RESEARCH_INSTITUTE
PUBLIC_BODY = InstitutionKind.PUBLIC_BODY
NONPROFIT = InstitutionKind.NONPROFIT
EN = Language.ENGLISH
DE = Language.GERMAN


# Shapes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    slug: str
    name: str
    description: str
    competences: tuple[tuple[str, str], ...]  # (slug, name)


@dataclass(frozen=True)
class Person:
    name: str
    local_part: str  # the address is local_part@<the institution's first domain>
    bio: str
    competences: Mapping[str, int]  # competence slug -> level 1-3
    language: Language = EN
    role: MembershipRole = MembershipRole.RESEARCHER
    status: MembershipStatus = MembershipStatus.ACTIVE


@dataclass(frozen=True, kw_only=True)
class Org:
    slug: str
    name: str
    short_name: str
    kind: InstitutionKind
    country: str  # ISO 3166-1 alpha-2
    city: str
    website: str
    domains: tuple[str, ...]
    description: str
    competences: Mapping[str, int]
    people: tuple[Person, ...]
    capacity: int = 5
    founding_member: bool = False
    status: InstitutionStatus = InstitutionStatus.MEMBER
    trusts_email_domains: bool = False

    def email(self, person: Person) -> str:
        return f"{person.local_part}@{self.domains[0]}"

    @property
    def representative(self) -> Person:
        return next(p for p in self.people if p.role == MembershipRole.REPRESENTATIVE)

    def person(self, local_part: str) -> Person:
        return next(p for p in self.people if p.local_part == local_part)

    @property
    def researchers(self) -> list[Person]:
        return [
            p
            for p in self.people
            if p.role == MembershipRole.RESEARCHER and p.status == MembershipStatus.ACTIVE
        ]


@dataclass(frozen=True)
class AffiliationRequest:
    """A person already affiliated elsewhere asks an institution to add them by hand."""

    email: str
    institution: str  # slug
    message: str


def representative(
    name: str, local_part: str, bio: str, competences: Mapping[str, int], language=EN
) -> Person:
    return Person(name, local_part, bio, competences, language, MembershipRole.REPRESENTATIVE)


def researcher(
    name: str, local_part: str, bio: str, competences: Mapping[str, int], language=EN
) -> Person:
    return Person(name, local_part, bio, competences, language)


def applicant(
    name: str, local_part: str, bio: str, competences: Mapping[str, int], language=EN
) -> Person:
    """Someone who verified an address at the institution's domain and awaits approval."""
    return Person(name, local_part, bio, competences, language, status=MembershipStatus.PENDING)


# Vocabulary ----------------------------------------------------------------------------

FOCUS_AREAS: tuple[Area, ...] = (
    Area(
        "open-foundation-models",
        "Open foundation models",
        "Language and foundation models whose weights, code and training recipes are open.",
        (
            ("large-language-models", "Large language models"),
            ("pretraining", "Pretraining at scale"),
            ("instruction-tuning", "Instruction tuning and alignment"),
            ("model-evaluation", "Model evaluation and benchmarks"),
            ("efficient-inference", "Efficient inference"),
        ),
    ),
    Area(
        "multimodal-models",
        "Multimodal models",
        "Models that combine text with images, video, speech and other signals.",
        (
            ("multimodal-foundation-models", "Multimodal foundation models"),
            ("vision-language-models", "Vision-language models"),
            ("speech-audio-models", "Speech and audio models"),
            ("video-understanding", "Video understanding"),
        ),
    ),
    Area(
        "ai-robotics",
        "AI robotics",
        "Learning-based robots that perceive, plan and act in the physical world.",
        (
            ("robot-learning", "Robot learning"),
            ("reinforcement-learning", "Reinforcement learning"),
            ("embodied-perception", "Embodied perception"),
            ("motion-planning", "Motion planning and control"),
        ),
    ),
    Area(
        "knowledge-acquisition",
        "Knowledge acquisition",
        "Turning text and data into structured, checkable knowledge that models can use.",
        (
            ("knowledge-graphs", "Knowledge graphs"),
            ("information-extraction", "Information extraction"),
            ("retrieval-augmented-generation", "Retrieval-augmented generation"),
            ("neuro-symbolic-reasoning", "Neuro-symbolic reasoning"),
        ),
    ),
    Area(
        "trust-and-safety",
        "Trust & safety",
        "Finding and reducing the risks of AI systems before and after release.",
        (
            ("red-teaming", "Red teaming"),
            ("interpretability", "Interpretability"),
            ("fairness-and-bias", "Fairness and bias"),
            ("privacy-preserving-ml", "Privacy-preserving machine learning"),
            ("safety-evaluation", "Safety evaluation"),
        ),
    ),
    Area(
        "hardware-acceleration",
        "Hardware acceleration",
        "Chips, compilers and systems that make training and inference faster and cheaper.",
        (
            ("ai-accelerators", "AI accelerators"),
            ("compilers-for-ml", "Compilers for ML"),
            ("distributed-training", "Distributed training"),
            ("energy-efficient-ai", "Energy-efficient AI"),
        ),
    ),
    Area(
        "frameworks-and-tools",
        "Frameworks & tools",
        "The open software that AI is built, served and shared with.",
        (
            ("ml-frameworks", "ML frameworks"),
            ("mlops-and-serving", "MLOps and model serving"),
            ("agent-frameworks", "Agent frameworks"),
            ("open-source-community", "Open-source community building"),
        ),
    ),
    Area(
        "data",
        "Data",
        "Open, documented and lawfully usable data for training and evaluation.",
        (
            ("dataset-curation", "Dataset curation"),
            ("data-provenance", "Data provenance and licensing"),
            ("synthetic-data", "Synthetic data"),
            ("multilingual-data", "Multilingual and low-resource data"),
        ),
    ),
    Area(
        "policy",
        "Policy",
        "Governance, standards and regulation for open AI.",
        (
            ("ai-governance", "AI governance"),
            ("ai-standards", "AI standards"),
            ("regulatory-compliance", "Regulatory compliance"),
            ("open-source-licensing", "Open-source licensing"),
        ),
    ),
    Area(
        "ai-for-science",
        "AI for science",
        "Machine learning as a tool for the natural, life and earth sciences.",
        (
            ("scientific-ml", "Scientific machine learning"),
            ("ai-for-healthcare", "AI for healthcare"),
            ("climate-and-earth-observation", "Climate and earth observation"),
            ("physics-informed-ml", "Physics-informed machine learning"),
        ),
    ),
)


# Institutions and their people ---------------------------------------------------------

INSTITUTIONS: tuple[Org, ...] = (
    # Companies
    Org(
        slug="ibm",
        name="IBM",
        short_name="IBM",
        kind=COMPANY,
        country="US",
        city="Armonk",
        website="https://www.ibm.com",
        domains=("ibm.com",),
        founding_member=True,
        capacity=8,
        description=(
            "IBM Research builds the Granite family of open foundation models and the tooling "
            "around them, from data preparation pipelines to model serving on hybrid cloud. "
            "Its labs in Yorktown Heights, Zurich and Tokyo also work on AI hardware such as "
            "analog in-memory computing, and on open toolkits for fairness and explainability."
        ),
        competences={
            "multimodal-foundation-models": 3,
            "large-language-models": 3,
            "pretraining": 3,
            "fairness-and-bias": 3,
            "ai-accelerators": 2,
            "interpretability": 2,
            "data-provenance": 2,
            "mlops-and-serving": 2,
        },
        people=(
            representative(
                "Daniel Okafor",
                "daniel.okafor",
                "Leads IBM's participation in the alliance and coordinates open model releases "
                "with partner labs. Previously managed research on enterprise language models.",
                {"ai-governance": 2, "large-language-models": 2},
            ),
            researcher(
                "Mei Lin Chen",
                "meilin.chen",
                "Trains multimodal foundation models that read charts, tables and scanned "
                "documents. Wants open evaluation suites for document understanding.",
                {
                    "multimodal-foundation-models": 3,
                    "vision-language-models": 3,
                    "model-evaluation": 2,
                },
            ),
            researcher(
                "Rafael Souza",
                "rafael.souza",
                "Builds data pipelines for pretraining: deduplication, quality filtering and "
                "licence tracking at web scale.",
                {"dataset-curation": 3, "data-provenance": 3, "pretraining": 2},
            ),
            researcher(
                "Anika Sharma",
                "anika.sharma",
                "Researches analog in-memory computing for inference and co-designs models "
                "with the hardware they run on.",
                {"ai-accelerators": 3, "efficient-inference": 2, "energy-efficient-ai": 2},
            ),
        ),
    ),
    Org(
        slug="meta",
        name="Meta",
        short_name="Meta",
        kind=COMPANY,
        country="US",
        city="Menlo Park",
        website="https://ai.meta.com",
        domains=("meta.com", "fb.com"),
        founding_member=True,
        capacity=8,
        description=(
            "Meta's fundamental AI research teams release the Llama family of open-weight "
            "language models and work on self-supervised learning for images, speech and "
            "video. Meta is the largest contributor to PyTorch and publishes research on "
            "embodied AI and on responsible release practices for open models."
        ),
        competences={
            "large-language-models": 3,
            "pretraining": 3,
            "vision-language-models": 3,
            "ml-frameworks": 3,
            "distributed-training": 3,
            "speech-audio-models": 2,
            "embodied-perception": 2,
            "red-teaming": 2,
        },
        people=(
            representative(
                "Sarah Whitfield",
                "sarah.whitfield",
                "Directs open-science partnerships at Meta and chairs the alliance's working "
                "group on release norms for open models.",
                {"ai-governance": 3, "open-source-community": 2},
            ),
            researcher(
                "Tomás Herrera",
                "tomas.herrera",
                "Works on distributed pretraining of open-weight language models and on making "
                "training recipes reproducible.",
                {"distributed-training": 3, "pretraining": 3, "large-language-models": 2},
            ),
            researcher(
                "Yuki Tanaka",
                "yuki.tanaka",
                "Builds self-supervised video and image encoders and studies how well they "
                "transfer to robot perception.",
                {
                    "video-understanding": 3,
                    "embodied-perception": 2,
                    "multimodal-foundation-models": 2,
                },
            ),
            researcher(
                "Grace Liu",
                "grace.liu",
                "Red-teams open models before release and develops safety benchmarks that "
                "anyone can run.",
                {"red-teaming": 3, "safety-evaluation": 3},
            ),
        ),
    ),
    Org(
        slug="intel",
        name="Intel",
        short_name="Intel",
        kind=COMPANY,
        country="US",
        city="Santa Clara",
        website="https://www.intel.com",
        domains=("intel.com",),
        capacity=6,
        description=(
            "Intel develops CPUs, GPUs and Gaudi accelerators for AI training and inference, "
            "together with open software such as oneAPI and the OpenVINO toolkit. Intel Labs "
            "researches neuromorphic computing and model compression for edge devices."
        ),
        competences={
            "ai-accelerators": 3,
            "compilers-for-ml": 3,
            "efficient-inference": 3,
            "energy-efficient-ai": 2,
            "ml-frameworks": 2,
        },
        people=(
            representative(
                "Mark Jensen",
                "mark.jensen",
                "Manages Intel's open AI ecosystem programme and the company's contributions "
                "to alliance projects.",
                {"open-source-community": 2, "ai-accelerators": 2},
            ),
            researcher(
                "Olga Petrova",
                "olga.petrova",
                "Speeds up transformer inference on CPUs and accelerators with graph compilers "
                "and quantisation.",
                {"compilers-for-ml": 3, "efficient-inference": 3},
            ),
            researcher(
                "Aisha Bello",
                "aisha.bello",
                "Researches neuromorphic hardware and spiking neural networks for low-power "
                "perception.",
                {"energy-efficient-ai": 3, "ai-accelerators": 2},
            ),
        ),
    ),
    Org(
        slug="oracle",
        name="Oracle",
        short_name="Oracle",
        kind=COMPANY,
        country="US",
        city="Austin",
        website="https://www.oracle.com",
        domains=("oracle.com",),
        description=(
            "Oracle runs large GPU clusters in its cloud for training and serving foundation "
            "models and builds AI into its database and enterprise applications. Oracle Labs "
            "works on vector search inside the database, graph processing and program analysis."
        ),
        competences={
            "mlops-and-serving": 3,
            "retrieval-augmented-generation": 3,
            "distributed-training": 2,
            "knowledge-graphs": 2,
        },
        people=(
            representative(
                "Jennifer Alvarez",
                "jennifer.alvarez",
                "Represents Oracle in the alliance and manages research collaborations for "
                "Oracle Labs.",
                {"mlops-and-serving": 2, "ai-governance": 1},
            ),
            researcher(
                "Stefan Novak",
                "stefan.novak",
                "Builds vector search and retrieval-augmented generation into the database "
                "engine, close to the data.",
                {"retrieval-augmented-generation": 3, "knowledge-graphs": 2},
            ),
        ),
    ),
    Org(
        slug="amd",
        name="AMD",
        short_name="AMD",
        kind=COMPANY,
        country="US",
        city="Santa Clara",
        website="https://www.amd.com",
        domains=("amd.com",),
        description=(
            "AMD designs the Instinct GPU accelerators and EPYC processors used for large-scale "
            "AI training and maintains ROCm, its open software stack for GPU computing. Its "
            "research teams work on compilers, kernels and communication libraries."
        ),
        competences={"ai-accelerators": 3, "compilers-for-ml": 3, "distributed-training": 2},
        people=(
            representative(
                "Brian Kowalski",
                "brian.kowalski",
                "Coordinates AMD's open-source AI partnerships and its developer programme for "
                "ROCm.",
                {"open-source-community": 2},
            ),
            researcher(
                "Hana Kim",
                "hana.kim",
                "Writes and tunes GPU kernels for attention and mixture-of-experts layers.",
                {"compilers-for-ml": 3, "efficient-inference": 2},
            ),
        ),
    ),
    Org(
        slug="red-hat",
        name="Red Hat",
        short_name="Red Hat",
        kind=COMPANY,
        country="US",
        city="Raleigh",
        website="https://www.redhat.com",
        domains=("redhat.com",),
        trusts_email_domains=True,
        description=(
            "Red Hat brings open-source development practice to AI: it ships OpenShift AI and "
            "contributes to community projects for serving and tuning open models, such as "
            "vLLM and InstructLab. Its teams focus on running models reliably across hybrid "
            "cloud infrastructure."
        ),
        competences={
            "mlops-and-serving": 3,
            "open-source-community": 3,
            "instruction-tuning": 2,
            "efficient-inference": 2,
        },
        people=(
            representative(
                "Claire Dubois",
                "claire.dubois",
                "Leads Red Hat's AI community engagement and helps partner projects set up open "
                "governance.",
                {"open-source-community": 3, "open-source-licensing": 2},
            ),
            researcher(
                "Miguel Ortega",
                "miguel.ortega",
                "Maintains inference serving components and benchmarks the throughput of open "
                "models on Kubernetes.",
                {"mlops-and-serving": 3, "efficient-inference": 2},
            ),
        ),
    ),
    Org(
        slug="hugging-face",
        name="Hugging Face",
        short_name="Hugging Face",
        kind=COMPANY,
        country="US",
        city="New York",
        website="https://huggingface.co",
        domains=("huggingface.co", "hf.co"),
        capacity=6,
        description=(
            "Hugging Face hosts the largest open hub of models and datasets and maintains "
            "libraries such as Transformers, Datasets and Diffusers. Its science team trains "
            "and documents open models and datasets, with attention to data governance and "
            "reproducible evaluation."
        ),
        competences={
            "ml-frameworks": 3,
            "open-source-community": 3,
            "dataset-curation": 3,
            "model-evaluation": 3,
            "data-provenance": 2,
        },
        people=(
            representative(
                "Julien Marchand",
                "julien.marchand",
                "Handles partnerships with research institutions and keeps the alliance's "
                "shared collections on the Hub in order.",
                {"open-source-community": 3},
            ),
            researcher(
                "Nadia Rahman",
                "nadia.rahman",
                "Curates multilingual pretraining corpora and writes dataset cards that "
                "document where the data came from.",
                {"multilingual-data": 3, "dataset-curation": 3, "data-provenance": 2},
            ),
            researcher(
                "Ben Carter",
                "ben.carter",
                "Maintains open leaderboards and evaluation harnesses for language models.",
                {"model-evaluation": 3, "large-language-models": 2},
            ),
        ),
    ),
    Org(
        slug="servicenow",
        name="ServiceNow",
        short_name="ServiceNow",
        kind=COMPANY,
        country="US",
        city="Santa Clara",
        website="https://www.servicenow.com",
        domains=("servicenow.com",),
        description=(
            "ServiceNow applies language models to enterprise workflows and co-led the "
            "BigCode project on open code models. ServiceNow Research studies agents that act "
            "in software environments and how to evaluate them."
        ),
        competences={"agent-frameworks": 3, "large-language-models": 2, "model-evaluation": 2},
        people=(
            representative(
                "Patrick O'Neill",
                "patrick.oneill",
                "Manages ServiceNow Research's academic partnerships.",
                {"ai-governance": 1, "agent-frameworks": 1},
            ),
            researcher(
                "Fatima Zahra Alaoui",
                "fatima.alaoui",
                "Builds benchmarks for web and desktop agents and studies how they fail.",
                {"agent-frameworks": 3, "safety-evaluation": 2},
            ),
        ),
    ),
    Org(
        slug="sony",
        name="Sony Group",
        short_name="Sony",
        kind=COMPANY,
        country="JP",
        city="Tokyo",
        website="https://www.sony.com",
        domains=("sony.com",),
        description=(
            "Sony AI researches reinforcement learning for games and robotics, imaging and "
            "sensing, and AI ethics; its racing agent for Gran Turismo is one public result. "
            "The group also builds audio and music tools for creators."
        ),
        competences={
            "reinforcement-learning": 3,
            "robot-learning": 2,
            "speech-audio-models": 2,
            "fairness-and-bias": 2,
        },
        people=(
            representative(
                "Haruto Sato",
                "haruto.sato",
                "Coordinates Sony AI's external research collaborations from Tokyo.",
                {"ai-governance": 2},
            ),
            researcher(
                "Emily Brooks",
                "emily.brooks",
                "Trains reinforcement learning agents in simulation and transfers them to "
                "physical robots.",
                {"reinforcement-learning": 3, "robot-learning": 2},
            ),
        ),
    ),
    Org(
        slug="cerebras",
        name="Cerebras Systems",
        short_name="Cerebras",
        kind=COMPANY,
        country="US",
        city="Sunnyvale",
        website="https://www.cerebras.ai",
        domains=("cerebras.net",),
        description=(
            "Cerebras builds wafer-scale processors and systems for training and serving large "
            "models. It has released open models trained on its hardware and works on sparse "
            "training and fast inference."
        ),
        competences={"ai-accelerators": 3, "efficient-inference": 3, "pretraining": 2},
        people=(
            representative(
                "Rachel Goldberg",
                "rachel.goldberg",
                "Leads Cerebras's research partnerships and its compute grants for academic teams.",
                {"ai-accelerators": 2},
            ),
            researcher(
                "Vikram Iyer",
                "vikram.iyer",
                "Studies sparse training methods that exploit wafer-scale hardware.",
                {"ai-accelerators": 2, "pretraining": 2, "efficient-inference": 2},
            ),
        ),
    ),
    Org(
        slug="stability-ai",
        name="Stability AI",
        short_name="Stability",
        kind=COMPANY,
        country="GB",
        city="London",
        website="https://stability.ai",
        domains=("stability.ai",),
        description=(
            "Stability AI develops open generative models for images, video, audio and 3D, "
            "best known for Stable Diffusion. It works with communities and researchers on "
            "fine-tuning and controllable generation."
        ),
        competences={
            "multimodal-foundation-models": 3,
            "vision-language-models": 2,
            "speech-audio-models": 2,
        },
        people=(
            representative(
                "Oliver Hughes",
                "oliver.hughes",
                "Represents Stability AI in the alliance and manages its research grants.",
                {"open-source-community": 2},
            ),
            researcher(
                "Chiara Romano",
                "chiara.romano",
                "Works on diffusion models for video and on tracing which training data shaped "
                "a generated image.",
                {"multimodal-foundation-models": 3, "video-understanding": 2, "data-provenance": 2},
            ),
        ),
    ),
    Org(
        slug="sakana-ai",
        name="Sakana AI",
        short_name="Sakana",
        kind=COMPANY,
        country="JP",
        city="Tokyo",
        website="https://sakana.ai",
        domains=("sakana.ai",),
        capacity=3,
        description=(
            "Sakana AI explores nature-inspired methods such as evolutionary model merging to "
            "build capable models cheaply, with a focus on Japanese. It also studies automated "
            "scientific discovery with language-model agents."
        ),
        competences={
            "large-language-models": 2,
            "multilingual-data": 2,
            "agent-frameworks": 2,
            "scientific-ml": 1,
        },
        people=(
            representative(
                "Kenta Mori",
                "kenta.mori",
                "Leads partnerships at Sakana AI and its work on Japanese language models.",
                {"multilingual-data": 2},
            ),
            researcher(
                "Sofia Lindgren",
                "sofia.lindgren",
                "Researches evolutionary merging of open models and which abilities merged "
                "models inherit.",
                {"large-language-models": 2, "model-evaluation": 2},
            ),
        ),
    ),
    Org(
        slug="silo-ai",
        name="Silo AI",
        short_name="Silo AI",
        kind=COMPANY,
        country="FI",
        city="Helsinki",
        website="https://www.silo.ai",
        domains=("silo.ai",),
        description=(
            "Silo AI builds custom AI systems for industrial clients and has trained open "
            "language models for the Nordic and other European languages on the LUMI "
            "supercomputer. It brings applied experience from manufacturing and automotive."
        ),
        competences={"multilingual-data": 3, "pretraining": 2, "mlops-and-serving": 2},
        people=(
            representative(
                "Mikko Laine",
                "mikko.laine",
                "Leads Silo AI's open-model programme for European languages.",
                {"multilingual-data": 3, "pretraining": 2},
            ),
            researcher(
                "Aino Virtanen",
                "aino.virtanen",
                "Evaluates language models in Finnish, Swedish and other smaller European "
                "languages.",
                {"model-evaluation": 2, "multilingual-data": 2},
            ),
        ),
    ),
    Org(
        slug="together-ai",
        name="Together AI",
        short_name="Together",
        kind=COMPANY,
        country="US",
        city="San Francisco",
        website="https://www.together.ai",
        domains=("together.ai",),
        description=(
            "Together AI runs a cloud for training, fine-tuning and serving open models and "
            "publishes research on fast attention kernels and open pretraining datasets. Its "
            "researchers work on long-context architectures and inference optimisation."
        ),
        competences={"efficient-inference": 3, "distributed-training": 3, "dataset-curation": 2},
        people=(
            representative(
                "Ethan Walsh",
                "ethan.walsh",
                "Manages research partnerships and compute credits at Together AI.",
                {"mlops-and-serving": 2},
            ),
            researcher(
                "Lucía Fernández",
                "lucia.fernandez",
                "Designs attention kernels and state-space layers for long-context models.",
                {"efficient-inference": 3, "compilers-for-ml": 2},
            ),
        ),
    ),
    Org(
        slug="anyscale",
        name="Anyscale",
        short_name="Anyscale",
        kind=COMPANY,
        country="US",
        city="San Francisco",
        website="https://www.anyscale.com",
        domains=("anyscale.com",),
        description=(
            "Anyscale develops Ray, the open-source framework for scaling Python and AI "
            "workloads that began in a Berkeley lab. Its engineers work on distributed "
            "training, batch inference and reinforcement learning at cluster scale."
        ),
        competences={
            "distributed-training": 3,
            "ml-frameworks": 3,
            "reinforcement-learning": 2,
            "mlops-and-serving": 2,
        },
        people=(
            representative(
                "Kevin Park",
                "kevin.park",
                "Connects the Ray community with alliance projects and runs Anyscale's academic "
                "programme.",
                {"open-source-community": 2},
            ),
            researcher(
                "Isabel Moreno",
                "isabel.moreno",
                "Works on scheduling for distributed reinforcement learning and data processing.",
                {"distributed-training": 3, "reinforcement-learning": 2},
            ),
        ),
    ),
    Org(
        slug="kestrel-labs",
        name="Kestrel Labs",
        short_name="Kestrel",
        kind=COMPANY,
        country="NL",
        city="Amsterdam",
        website="https://kestrel-labs.example",
        domains=("kestrel-labs.example",),
        status=InstitutionStatus.APPLICANT,
        capacity=2,
        description=(
            "Kestrel Labs is a young company building open tooling to evaluate "
            "retrieval-augmented assistants in regulated industries. It has applied to join "
            "the alliance to contribute its evaluation datasets."
        ),
        competences={
            "retrieval-augmented-generation": 2,
            "model-evaluation": 2,
            "regulatory-compliance": 1,
        },
        people=(
            representative(
                "Pieter de Vries",
                "pieter.devries",
                "Co-founded Kestrel Labs and leads its work on assistant evaluation.",
                {"model-evaluation": 2},
            ),
            researcher(
                "Sanne Bakker",
                "sanne.bakker",
                "Builds test collections for question answering over legal texts.",
                {"retrieval-augmented-generation": 2, "information-extraction": 2},
            ),
        ),
    ),
    Org(
        slug="vectorhaus",
        name="Vectorhaus Analytics GmbH",
        short_name="Vectorhaus",
        kind=COMPANY,
        country="DE",
        city="Berlin",
        website="https://vectorhaus.example",
        domains=("vectorhaus.example",),
        status=InstitutionStatus.SUSPENDED,
        capacity=2,
        description=(
            "Vectorhaus Analytics builds knowledge-graph and search products for publishers. "
            "Its membership is suspended while the alliance clarifies the licence of a dataset "
            "it contributed."
        ),
        competences={"knowledge-graphs": 2, "information-extraction": 2},
        people=(
            representative(
                "Markus Brandt",
                "markus.brandt",
                "Managing director of Vectorhaus and its contact for the alliance.",
                {"ai-governance": 1},
                DE,
            ),
            researcher(
                "Julia Schreiber",
                "julia.schreiber",
                "Extracts entities and relations from news archives into knowledge graphs.",
                {"information-extraction": 2, "knowledge-graphs": 2},
                DE,
            ),
        ),
    ),
    # Universities
    Org(
        slug="uc-berkeley",
        name="University of California, Berkeley",
        short_name="UC Berkeley",
        kind=UNIVERSITY,
        country="US",
        city="Berkeley",
        website="https://www.berkeley.edu",
        domains=("berkeley.edu",),
        capacity=8,
        description=(
            "Berkeley's AI Research lab and Sky Computing Lab work on robot learning, deep "
            "reinforcement learning and systems for large models, including open projects for "
            "model serving and crowd-sourced evaluation. The College of Computing, Data "
            "Science, and Society links this research with policy and ethics."
        ),
        competences={
            "robot-learning": 3,
            "reinforcement-learning": 3,
            "efficient-inference": 3,
            "model-evaluation": 3,
            "distributed-training": 2,
            "ai-governance": 2,
        },
        people=(
            representative(
                "Laura Bennett",
                "laura.bennett",
                "Associate director for industry partnerships at Berkeley AI Research; "
                "represents Berkeley in the alliance.",
                {"ai-governance": 2},
            ),
            researcher(
                "Arjun Mehta",
                "arjun.mehta",
                "Postdoc training manipulation policies from large teleoperation datasets.",
                {"robot-learning": 3, "reinforcement-learning": 2, "embodied-perception": 2},
            ),
            researcher(
                "Wei Zhang",
                "wei.zhang",
                "PhD student working on memory management for serving large language models.",
                {"efficient-inference": 3, "mlops-and-serving": 2},
            ),
            researcher(
                "Maya Thompson",
                "maya.thompson",
                "Runs crowd-sourced evaluations of chat models and studies how reliable their "
                "rankings are.",
                {"model-evaluation": 3},
            ),
        ),
    ),
    Org(
        slug="harvard",
        name="Harvard University",
        short_name="Harvard",
        kind=UNIVERSITY,
        country="US",
        city="Cambridge",
        website="https://www.harvard.edu",
        domains=("harvard.edu",),
        capacity=6,
        description=(
            "Harvard's Kempner Institute studies natural and artificial intelligence on a "
            "large academic GPU cluster, and its engineering school researches ML systems, "
            "privacy and tiny machine learning. The Berkman Klein Center contributes work on "
            "AI governance and law."
        ),
        competences={
            "privacy-preserving-ml": 3,
            "ai-governance": 3,
            "interpretability": 2,
            "energy-efficient-ai": 2,
            "scientific-ml": 2,
        },
        people=(
            representative(
                "Catherine Doyle",
                "catherine.doyle",
                "Research development officer who coordinates Harvard's AI partnerships across "
                "its schools.",
                {"ai-governance": 2},
            ),
            researcher(
                "Samuel Adeyemi",
                "samuel.adeyemi",
                "Works on differential privacy for training language models on sensitive text.",
                {"privacy-preserving-ml": 3, "large-language-models": 2},
            ),
            researcher(
                "Elena Popescu",
                "elena.popescu",
                "Studies legal frameworks for releasing open models and who is liable for "
                "their use.",
                {"ai-governance": 3, "open-source-licensing": 2},
            ),
        ),
    ),
    Org(
        slug="yale",
        name="Yale University",
        short_name="Yale",
        kind=UNIVERSITY,
        country="US",
        city="New Haven",
        website="https://www.yale.edu",
        domains=("yale.edu",),
        description=(
            "Yale researches machine learning for medicine and the life sciences, natural "
            "language processing and the ethics of AI, through its Institute for Foundations "
            "of Data Science and its Digital Ethics Center. Its hospital partners bring "
            "clinical problems to joint projects."
        ),
        competences={
            "ai-for-healthcare": 3,
            "fairness-and-bias": 2,
            "ai-governance": 2,
            "information-extraction": 2,
        },
        people=(
            representative(
                "Michael Sullivan",
                "michael.sullivan",
                "Directs research partnerships at Yale's data science institute.",
                {"ai-governance": 1},
            ),
            researcher(
                "Amara Nwosu",
                "amara.nwosu",
                "Builds clinical language models that extract findings from radiology reports.",
                {"ai-for-healthcare": 3, "information-extraction": 3},
            ),
            researcher(
                "Hannah Weiss",
                "hannah.weiss",
                "Audits diagnostic models for fairness across patient populations.",
                {"fairness-and-bias": 3, "ai-for-healthcare": 2},
            ),
        ),
    ),
    Org(
        slug="eth-zurich",
        name="ETH Zürich",
        short_name="ETH",
        kind=UNIVERSITY,
        country="CH",
        city="Zürich",
        website="https://ethz.ch",
        domains=("ethz.ch",),
        capacity=7,
        description=(
            "The ETH AI Center brings together research on machine learning, robotics and "
            "trustworthy AI; with EPFL and the Swiss National Supercomputing Centre, ETH trains "
            "open multilingual language models in the Swiss AI Initiative. Its robotics labs "
            "are known for legged robots that learn to walk in simulation."
        ),
        competences={
            "robot-learning": 3,
            "motion-planning": 3,
            "large-language-models": 2,
            "pretraining": 2,
            "multilingual-data": 2,
            "privacy-preserving-ml": 2,
            "safety-evaluation": 2,
        },
        people=(
            representative(
                "Martina Keller",
                "martina.keller",
                "Managing director of the ETH AI Center and ETH's representative in the alliance.",
                {"ai-governance": 2},
                DE,
            ),
            researcher(
                "Lukas Baumann",
                "lukas.baumann",
                "Trains locomotion controllers for legged robots with reinforcement learning in "
                "simulation.",
                {"robot-learning": 3, "reinforcement-learning": 3, "motion-planning": 2},
                DE,
            ),
            researcher(
                "Nina Steiner",
                "nina.steiner",
                "Works on pretraining data and tokenisation for multilingual open models.",
                {"multilingual-data": 3, "pretraining": 2},
                DE,
            ),
            researcher(
                "Ravi Krishnan",
                "ravi.krishnan",
                "Researches adversarial attacks on language models and defences against prompt "
                "injection.",
                {"red-teaming": 3, "safety-evaluation": 2},
            ),
        ),
    ),
    Org(
        slug="tu-munich",
        name="Technical University of Munich",
        short_name="TUM",
        kind=UNIVERSITY,
        country="DE",
        city="Munich",
        website="https://www.tum.de",
        domains=("tum.de", "mytum.de"),
        capacity=7,
        description=(
            "TUM's Munich Institute of Robotics and Machine Intelligence works on robot "
            "learning, embodied AI and human-robot interaction, and its School of Computation, "
            "Information and Technology researches knowledge acquisition from text and data. "
            "The TUM Institute for Ethics in Artificial Intelligence studies AI governance."
        ),
        competences={
            "robot-learning": 3,
            "embodied-perception": 3,
            "knowledge-graphs": 3,
            "reinforcement-learning": 2,
            "motion-planning": 2,
            "information-extraction": 2,
            "ai-governance": 2,
        },
        people=(
            representative(
                "Lena Maier",
                "lena.maier",
                "Heads the research partnerships office of TUM's School of Computation, "
                "Information and Technology and represents TUM in the alliance.",
                {"ai-governance": 2, "robot-learning": 1},
                DE,
            ),
            researcher(
                "Felix Wagner",
                "felix.wagner",
                "Postdoc teaching robot arms household tasks from demonstrations and spoken "
                "instructions.",
                {"robot-learning": 3, "embodied-perception": 2, "vision-language-models": 2},
                DE,
            ),
            researcher(
                "Katharina Schmidt",
                "katharina.schmidt",
                "Builds knowledge graphs from the scientific literature and connects them to "
                "language models for question answering.",
                {
                    "knowledge-graphs": 3,
                    "information-extraction": 3,
                    "retrieval-augmented-generation": 2,
                },
                DE,
            ),
            researcher(
                "Ahmed Hassan",
                "ahmed.hassan",
                "Researches safe reinforcement learning for mobile robots that move among people.",
                {"reinforcement-learning": 3, "motion-planning": 2, "safety-evaluation": 1},
            ),
            applicant(
                "Jonas Weber",
                "jonas.weber",
                "New PhD student in computer vision, starting on 3D scene understanding for "
                "robots.",
                {"embodied-perception": 2},
                DE,
            ),
            applicant(
                "Sophie Hoffmann",
                "sophie.hoffmann",
                "Research engineer joining TUM's knowledge acquisition group.",
                {"knowledge-graphs": 1, "information-extraction": 2},
                DE,
            ),
        ),
    ),
    Org(
        slug="epfl",
        name="École polytechnique fédérale de Lausanne",
        short_name="EPFL",
        kind=UNIVERSITY,
        country="CH",
        city="Lausanne",
        website="https://www.epfl.ch",
        domains=("epfl.ch",),
        description=(
            "The EPFL AI Center coordinates research on trustworthy and open AI, including open "
            "medical language models and, with ETH Zürich, the Swiss AI Initiative. Its labs "
            "also work on distributed and privacy-preserving learning."
        ),
        competences={
            "ai-for-healthcare": 3,
            "privacy-preserving-ml": 3,
            "large-language-models": 2,
            "distributed-training": 2,
        },
        people=(
            representative(
                "Camille Favre",
                "camille.favre",
                "Coordinates industry and alliance partnerships for the EPFL AI Center.",
                {"ai-governance": 2},
            ),
            researcher(
                "Marco Bernasconi",
                "marco.bernasconi",
                "Adapts open language models to clinical guidelines and evaluates them with "
                "physicians.",
                {"ai-for-healthcare": 3, "instruction-tuning": 2},
            ),
        ),
    ),
    Org(
        slug="imperial",
        name="Imperial College London",
        short_name="Imperial",
        kind=UNIVERSITY,
        country="GB",
        city="London",
        website="https://www.imperial.ac.uk",
        domains=("imperial.ac.uk",),
        description=(
            "Imperial's I-X initiative and Department of Computing research machine learning "
            "for science, robotics and healthcare. Groups work on graph neural networks, safe "
            "autonomous systems and AI for drug discovery."
        ),
        competences={
            "scientific-ml": 3,
            "ai-for-healthcare": 2,
            "robot-learning": 2,
            "neuro-symbolic-reasoning": 2,
        },
        people=(
            representative(
                "James Whitmore",
                "james.whitmore",
                "Leads strategic research partnerships for Imperial's I-X initiative.",
                {"ai-governance": 1},
            ),
            researcher(
                "Priya Natarajan",
                "priya.natarajan",
                "Develops graph neural networks that predict the properties of molecules.",
                {"scientific-ml": 3, "ai-for-healthcare": 2},
            ),
        ),
    ),
    Org(
        slug="university-of-tokyo",
        name="University of Tokyo",
        short_name="UTokyo",
        kind=UNIVERSITY,
        country="JP",
        city="Tokyo",
        website="https://www.u-tokyo.ac.jp",
        domains=("u-tokyo.ac.jp",),
        description=(
            "The University of Tokyo researches deep learning, world models and robotics, and "
            "its labs have trained open Japanese language models. It works with industry on "
            "applying foundation models in manufacturing and science."
        ),
        competences={
            "large-language-models": 2,
            "multilingual-data": 2,
            "robot-learning": 2,
            "embodied-perception": 2,
        },
        people=(
            representative(
                "Akiko Yamamoto",
                "akiko.yamamoto",
                "Associate professor coordinating the university's international AI "
                "collaborations.",
                {"ai-governance": 2},
            ),
            researcher(
                "Takumi Fujita",
                "takumi.fujita",
                "Researches world models that let robots predict the results of their actions.",
                {"robot-learning": 2, "reinforcement-learning": 2, "embodied-perception": 2},
            ),
        ),
    ),
    Org(
        slug="cornell",
        name="Cornell University",
        short_name="Cornell",
        kind=UNIVERSITY,
        country="US",
        city="Ithaca",
        website="https://www.cornell.edu",
        domains=("cornell.edu",),
        description=(
            "Cornell researches machine learning theory, natural language processing and "
            "robotics, and Cornell Tech in New York works on the security and privacy of AI "
            "systems. Cornell also runs arXiv, where most open AI research first appears."
        ),
        competences={
            "privacy-preserving-ml": 2,
            "red-teaming": 2,
            "information-extraction": 2,
            "dataset-curation": 2,
        },
        people=(
            representative(
                "Rebecca Stone",
                "rebecca.stone",
                "Manages corporate and alliance research relations for Cornell Engineering.",
                {"ai-governance": 1},
            ),
            researcher(
                "Daniel Cohen",
                "daniel.cohen",
                "Studies attacks that extract training data from language models and how to "
                "prevent them.",
                {"red-teaming": 3, "privacy-preserving-ml": 3},
            ),
        ),
    ),
    Org(
        slug="dartmouth",
        name="Dartmouth College",
        short_name="Dartmouth",
        kind=UNIVERSITY,
        country="US",
        city="Hanover",
        website="https://home.dartmouth.edu",
        domains=("dartmouth.edu",),
        capacity=3,
        description=(
            "Dartmouth, where a 1956 summer workshop gave artificial intelligence its name, "
            "researches machine learning for health, computational social science and AI in "
            "education. Its medical school contributes clinical expertise."
        ),
        competences={"ai-for-healthcare": 2, "fairness-and-bias": 2},
        people=(
            representative(
                "Thomas Greene",
                "thomas.greene",
                "Director of research partnerships; represents Dartmouth in the alliance.",
                {"ai-governance": 1},
            ),
            researcher(
                "Leah Morrison",
                "leah.morrison",
                "Builds models that detect depression from passive smartphone data, with "
                "privacy safeguards.",
                {"ai-for-healthcare": 2, "privacy-preserving-ml": 2},
            ),
        ),
    ),
    Org(
        slug="nyu",
        name="New York University",
        short_name="NYU",
        kind=UNIVERSITY,
        country="US",
        city="New York",
        website="https://www.nyu.edu",
        domains=("nyu.edu",),
        description=(
            "NYU's Center for Data Science and Courant Institute research self-supervised "
            "learning, natural language understanding and AI for science, and its Tandon "
            "School of Engineering works on robotics."
        ),
        competences={
            "vision-language-models": 2,
            "model-evaluation": 2,
            "robot-learning": 2,
            "scientific-ml": 2,
        },
        people=(
            representative(
                "Alicia Ramos",
                "alicia.ramos",
                "Manages partnerships at NYU's Center for Data Science.",
                {"ai-governance": 1},
            ),
            researcher(
                "Jacob Levine",
                "jacob.levine",
                "Studies how language models generalise and designs harder evaluation sets.",
                {"model-evaluation": 3, "large-language-models": 2},
            ),
            researcher(
                "Min-jun Lee",
                "minjun.lee",
                "Trains home robots on low-cost hardware and publishes the datasets.",
                {"robot-learning": 2, "dataset-curation": 2},
            ),
        ),
    ),
    Org(
        slug="uiuc",
        name="University of Illinois Urbana-Champaign",
        short_name="UIUC",
        kind=UNIVERSITY,
        country="US",
        city="Urbana",
        website="https://illinois.edu",
        domains=("illinois.edu",),
        description=(
            "Illinois combines strong computer architecture and systems groups with machine "
            "learning research and hosts the National Center for Supercomputing Applications. "
            "Its researchers work on ML compilers, AI for agriculture and trustworthy AI."
        ),
        competences={
            "compilers-for-ml": 3,
            "ai-accelerators": 2,
            "distributed-training": 2,
            "climate-and-earth-observation": 2,
        },
        people=(
            representative(
                "Karen Mitchell",
                "karen.mitchell",
                "Associate director at NCSA responsible for alliance and industry projects.",
                {"distributed-training": 1},
            ),
            researcher(
                "Rohan Gupta",
                "rohan.gupta",
                "Builds compilers that map tensor programs onto new accelerator architectures.",
                {"compilers-for-ml": 3, "ai-accelerators": 2},
            ),
        ),
    ),
    Org(
        slug="notre-dame",
        name="University of Notre Dame",
        short_name="Notre Dame",
        kind=UNIVERSITY,
        country="US",
        city="Notre Dame",
        website="https://www.nd.edu",
        domains=("nd.edu",),
        capacity=3,
        description=(
            "Notre Dame's Lucy Family Institute for Data & Society and its Technology Ethics "
            "Center research responsible AI, and its engineers apply AI to science and public "
            "health. The university puts AI that serves society at the centre of its work."
        ),
        competences={"ai-governance": 3, "fairness-and-bias": 2, "ai-for-healthcare": 1},
        people=(
            representative(
                "Brendan Murphy",
                "brendan.murphy",
                "Directs strategic partnerships for the Lucy Family Institute.",
                {"ai-governance": 2},
            ),
            researcher(
                "Olivia Grant",
                "olivia.grant",
                "Studies how organisations put AI ethics principles into practice.",
                {"ai-governance": 3, "fairness-and-bias": 2},
            ),
        ),
    ),
    Org(
        slug="ut-austin",
        name="University of Texas at Austin",
        short_name="UT Austin",
        kind=UNIVERSITY,
        country="US",
        city="Austin",
        website="https://www.utexas.edu",
        domains=("utexas.edu",),
        description=(
            "UT Austin hosts the NSF AI Institute for Foundations of Machine Learning and the "
            "Texas Advanced Computing Center. Its researchers work on robot learning, "
            "optimisation and open datasets for training."
        ),
        competences={
            "robot-learning": 2,
            "reinforcement-learning": 2,
            "distributed-training": 2,
            "dataset-curation": 2,
        },
        people=(
            representative(
                "Susan Patel",
                "susan.patel",
                "Programme director at the Institute for Foundations of Machine Learning.",
                {"ai-governance": 1},
            ),
            researcher(
                "Carlos Mendoza",
                "carlos.mendoza",
                "Researches data selection methods that make pretraining cheaper.",
                {"dataset-curation": 3, "pretraining": 2},
            ),
        ),
    ),
    Org(
        slug="hebrew-university",
        name="Hebrew University of Jerusalem",
        short_name="HUJI",
        kind=UNIVERSITY,
        country="IL",
        city="Jerusalem",
        website="https://en.huji.ac.il",
        domains=("huji.ac.il",),
        capacity=3,
        description=(
            "The Hebrew University researches the theory of deep learning, natural language "
            "processing and computational neuroscience. Its NLP groups study how language "
            "models represent meaning in Hebrew and other morphologically rich languages."
        ),
        competences={
            "interpretability": 2,
            "multilingual-data": 2,
            "neuro-symbolic-reasoning": 1,
        },
        people=(
            representative(
                "Noa Friedman",
                "noa.friedman",
                "Heads the university's office for AI research collaborations.",
                {"ai-governance": 1},
            ),
            researcher(
                "Yonatan Levi",
                "yonatan.levi",
                "Probes language models to find where they store grammatical knowledge.",
                {"interpretability": 3, "multilingual-data": 2},
            ),
        ),
    ),
    Org(
        slug="iit-bombay",
        name="Indian Institute of Technology Bombay",
        short_name="IIT Bombay",
        kind=UNIVERSITY,
        country="IN",
        city="Mumbai",
        website="https://www.iitb.ac.in",
        domains=("iitb.ac.in",),
        description=(
            "IIT Bombay researches natural language processing for Indian languages, speech "
            "technology and machine learning for agriculture and healthcare. It contributes to "
            "national efforts to build open language technology for India's many languages."
        ),
        competences={
            "multilingual-data": 3,
            "speech-audio-models": 2,
            "information-extraction": 2,
        },
        people=(
            representative(
                "Ananya Deshpande",
                "ananya.deshpande",
                "Professor and coordinator of IIT Bombay's AI collaborations.",
                {"multilingual-data": 2},
            ),
            researcher(
                "Siddharth Kulkarni",
                "siddharth.kulkarni",
                "Builds speech recognition for low-resource Indian languages from community "
                "recordings.",
                {"speech-audio-models": 3, "multilingual-data": 2},
            ),
        ),
    ),
    Org(
        slug="kaist",
        name="Korea Advanced Institute of Science and Technology",
        short_name="KAIST",
        kind=UNIVERSITY,
        country="KR",
        city="Daejeon",
        website="https://www.kaist.ac.kr",
        domains=("kaist.ac.kr",),
        description=(
            "KAIST researches AI semiconductors, efficient deep learning and robotics, and its "
            "Graduate School of AI trains many of Korea's machine learning researchers. Its "
            "labs design processors for on-device AI."
        ),
        competences={"ai-accelerators": 3, "energy-efficient-ai": 3, "robot-learning": 2},
        people=(
            representative(
                "Jiwoo Park",
                "jiwoo.park",
                "Professor coordinating KAIST's international AI partnerships.",
                {"ai-accelerators": 2},
            ),
            researcher(
                "Seo-yeon Choi",
                "seoyeon.choi",
                "Designs low-power neural processing units for on-device language models.",
                {"ai-accelerators": 3, "efficient-inference": 2},
            ),
        ),
    ),
    Org(
        slug="mbzuai",
        name="Mohamed bin Zayed University of Artificial Intelligence",
        short_name="MBZUAI",
        kind=UNIVERSITY,
        country="AE",
        city="Abu Dhabi",
        website="https://mbzuai.ac.ae",
        domains=("mbzuai.ac.ae",),
        description=(
            "MBZUAI is a graduate research university dedicated to AI; it releases fully open "
            "language models together with their training data and code, including models "
            "for Arabic. Its departments cover machine learning, computer vision, NLP and "
            "robotics."
        ),
        competences={
            "large-language-models": 3,
            "pretraining": 3,
            "multilingual-data": 3,
            "vision-language-models": 2,
        },
        people=(
            representative(
                "Omar Al-Mansouri",
                "omar.almansouri",
                "Director of research partnerships at MBZUAI.",
                {"ai-governance": 2},
            ),
            researcher(
                "Layla Haddad",
                "layla.haddad",
                "Trains Arabic and multilingual language models and publishes their full "
                "training data.",
                {"multilingual-data": 3, "pretraining": 2},
            ),
        ),
    ),
    Org(
        slug="dtu",
        name="Technical University of Denmark",
        short_name="DTU",
        kind=UNIVERSITY,
        country="DK",
        city="Kongens Lyngby",
        website="https://www.dtu.dk",
        domains=("dtu.dk",),
        status=InstitutionStatus.APPLICANT,
        description=(
            "DTU researches probabilistic machine learning and AI for energy systems and the "
            "life sciences, and is a partner in Denmark's Pioneer Centre for AI. It has "
            "applied to join the alliance's work on AI for science."
        ),
        competences={"scientific-ml": 2, "climate-and-earth-observation": 2},
        people=(
            representative(
                "Mette Nielsen",
                "mette.nielsen",
                "Head of research partnerships at DTU Compute.",
                {"ai-governance": 1},
            ),
            researcher(
                "Rasmus Holm",
                "rasmus.holm",
                "Uses probabilistic models to forecast wind power production.",
                {"climate-and-earth-observation": 2, "scientific-ml": 2},
            ),
        ),
    ),
    # Research institutes
    Org(
        slug="cern",
        name="CERN",
        short_name="CERN",
        kind=RESEARCH_INSTITUTE,
        country="CH",
        city="Meyrin",
        website="https://home.cern",
        domains=("cern.ch",),
        trusts_email_domains=True,
        capacity=6,
        description=(
            "CERN uses machine learning throughout particle physics, from real-time event "
            "selection on FPGAs at the LHC experiments to fast simulation with generative "
            "models. Its openlab partnership tests new computing and AI technologies with "
            "industry."
        ),
        competences={
            "physics-informed-ml": 3,
            "scientific-ml": 3,
            "ai-accelerators": 2,
            "distributed-training": 2,
            "energy-efficient-ai": 2,
        },
        people=(
            representative(
                "Isabelle Moreau",
                "isabelle.moreau",
                "Coordinates CERN's AI collaborations within openlab and represents CERN in the "
                "alliance.",
                {"ai-governance": 2},
            ),
            researcher(
                "Giulia Ferraro",
                "giulia.ferraro",
                "Deploys neural networks on FPGAs in the trigger systems of LHC experiments.",
                {"physics-informed-ml": 3, "ai-accelerators": 3, "efficient-inference": 2},
            ),
            researcher(
                "Henrik Larsen",
                "henrik.larsen",
                "Trains generative models that replace slow detector simulation.",
                {"physics-informed-ml": 3, "scientific-ml": 2, "distributed-training": 1},
            ),
        ),
    ),
    Org(
        slug="insait",
        name="INSAIT – Institute for Computer Science, Artificial Intelligence and Technology",
        short_name="INSAIT",
        kind=RESEARCH_INSTITUTE,
        country="BG",
        city="Sofia",
        website="https://insait.ai",
        domains=("insait.ai",),
        description=(
            "INSAIT in Sofia, founded in partnership with ETH Zürich and EPFL, researches "
            "trustworthy AI, computer vision and robotics. It released BgGPT, an open "
            "language model for Bulgarian."
        ),
        competences={
            "multilingual-data": 2,
            "safety-evaluation": 2,
            "vision-language-models": 2,
        },
        people=(
            representative(
                "Elitsa Ivanova",
                "elitsa.ivanova",
                "Head of partnerships at INSAIT.",
                {"ai-governance": 1},
            ),
            researcher(
                "Georgi Dimitrov",
                "georgi.dimitrov",
                "Adapts open language models to Bulgarian and other smaller European languages.",
                {"multilingual-data": 3, "instruction-tuning": 2},
            ),
        ),
    ),
    Org(
        slug="mpi-is",
        name="Max Planck Institute for Intelligent Systems",
        short_name="MPI-IS",
        kind=RESEARCH_INSTITUTE,
        country="DE",
        city="Tübingen",
        website="https://is.mpg.de",
        domains=("is.mpg.de",),
        description=(
            "The Max Planck Institute for Intelligent Systems in Tübingen and Stuttgart "
            "researches perception, learning and action, with departments for empirical "
            "inference, robotics and haptics. It is a founding partner of the Cyber Valley "
            "research alliance."
        ),
        competences={
            "embodied-perception": 3,
            "robot-learning": 2,
            "interpretability": 2,
            "scientific-ml": 2,
        },
        people=(
            representative(
                "Andreas Vogel",
                "andreas.vogel",
                "Scientific coordinator of the institute and its contact for the alliance.",
                {"ai-governance": 1, "embodied-perception": 1},
                DE,
            ),
            researcher(
                "Clara Neumann",
                "clara.neumann",
                "Works on causal representation learning for robot perception.",
                {"embodied-perception": 3, "interpretability": 2},
                DE,
            ),
        ),
    ),
    Org(
        slug="fz-juelich",
        name="Forschungszentrum Jülich",
        short_name="FZJ",
        kind=RESEARCH_INSTITUTE,
        country="DE",
        city="Jülich",
        website="https://www.fz-juelich.de",
        domains=("fz-juelich.de",),
        description=(
            "Forschungszentrum Jülich operates the Jülich Supercomputing Centre, home of "
            "JUPITER, Europe's first exascale system, and supports training open foundation "
            "models on it. Its researchers work on scalable training, neuromorphic computing "
            "and AI for climate and energy research."
        ),
        competences={
            "distributed-training": 3,
            "ai-accelerators": 2,
            "energy-efficient-ai": 2,
            "climate-and-earth-observation": 2,
        },
        people=(
            representative(
                "Sabine Krüger",
                "sabine.krueger",
                "Leads the AI user support team at the Jülich Supercomputing Centre.",
                {"distributed-training": 2},
                DE,
            ),
            researcher(
                "Tobias Richter",
                "tobias.richter",
                "Scales pretraining runs to thousands of GPUs and tunes their communication.",
                {"distributed-training": 3, "pretraining": 2},
                DE,
            ),
        ),
    ),
    Org(
        slug="inria",
        name="Inria",
        short_name="Inria",
        kind=RESEARCH_INSTITUTE,
        country="FR",
        city="Paris",
        website="https://www.inria.fr",
        domains=("inria.fr",),
        description=(
            "Inria is France's national research institute for digital science; scikit-learn "
            "began there, and its teams research machine learning, robotics and privacy. Inria "
            "maintains widely used open-source scientific software."
        ),
        competences={
            "ml-frameworks": 3,
            "open-source-community": 3,
            "privacy-preserving-ml": 2,
            "robot-learning": 1,
        },
        people=(
            representative(
                "Hélène Garnier",
                "helene.garnier",
                "Director of partnerships at Inria's Paris centre.",
                {"open-source-community": 2},
            ),
            researcher(
                "Antoine Lefèvre",
                "antoine.lefevre",
                "Maintains scientific Python libraries for machine learning and their test "
                "infrastructure.",
                {"ml-frameworks": 3, "open-source-community": 2},
            ),
        ),
    ),
    Org(
        slug="riken-aip",
        name="RIKEN Center for Advanced Intelligence Project",
        short_name="RIKEN AIP",
        kind=RESEARCH_INSTITUTE,
        country="JP",
        city="Tokyo",
        website="https://aip.riken.jp",
        domains=("riken.jp",),
        description=(
            "RIKEN AIP researches the mathematical foundations of machine learning, AI for "
            "science and the social impact of AI. RIKEN also operates the Fugaku "
            "supercomputer, which has been used to train Japanese language models."
        ),
        competences={"scientific-ml": 2, "distributed-training": 2, "ai-governance": 1},
        people=(
            representative(
                "Naoko Ishikawa",
                "naoko.ishikawa",
                "Coordinates RIKEN AIP's international collaborations.",
                {"ai-governance": 2},
            ),
            researcher(
                "Ryo Nakamura",
                "ryo.nakamura",
                "Works on learning from weak and noisy labels with provable guarantees.",
                {"dataset-curation": 2, "model-evaluation": 1},
            ),
        ),
    ),
    # Public bodies
    Org(
        slug="nasa",
        name="National Aeronautics and Space Administration",
        short_name="NASA",
        kind=PUBLIC_BODY,
        country="US",
        city="Washington",
        website="https://www.nasa.gov",
        domains=("nasa.gov",),
        description=(
            "NASA applies AI to earth observation, heliophysics and mission operations, and "
            "with IBM released open geospatial foundation models trained on satellite data. "
            "Its open-science programme publishes data and models for researchers worldwide."
        ),
        competences={
            "climate-and-earth-observation": 3,
            "scientific-ml": 2,
            "multimodal-foundation-models": 2,
        },
        people=(
            representative(
                "Robert Hayes",
                "robert.hayes",
                "Leads data science partnerships in NASA's science directorate.",
                {"ai-governance": 1},
            ),
            researcher(
                "Natalie Cruz",
                "natalie.cruz",
                "Fine-tunes geospatial foundation models to map floods and burn scars from "
                "satellite images.",
                {"climate-and-earth-observation": 3, "multimodal-foundation-models": 2},
            ),
        ),
    ),
    Org(
        slug="nsf",
        name="U.S. National Science Foundation",
        short_name="NSF",
        kind=PUBLIC_BODY,
        country="US",
        city="Alexandria",
        website="https://www.nsf.gov",
        domains=("nsf.gov",),
        capacity=3,
        description=(
            "The National Science Foundation funds basic AI research through the national AI "
            "research institutes and leads the pilot of the National AI Research Resource. It "
            "brings programme expertise on shared compute and data for academic research."
        ),
        competences={"ai-governance": 3, "dataset-curation": 1},
        people=(
            representative(
                "Angela Foster",
                "angela.foster",
                "Programme director for AI research infrastructure.",
                {"ai-governance": 3},
            ),
            researcher(
                "David Nguyen",
                "david.nguyen",
                "Science advisor working on fair access to shared research compute.",
                {"ai-governance": 2, "distributed-training": 1},
            ),
        ),
    ),
    Org(
        slug="uk-aisi",
        name="AI Security Institute",
        short_name="AISI",
        kind=PUBLIC_BODY,
        country="GB",
        city="London",
        website="https://www.aisi.gov.uk",
        domains=("aisi.gov.uk",),
        description=(
            "The UK's AI Security Institute evaluates the capabilities and risks of advanced "
            "AI models and builds open tools for doing so, such as the Inspect evaluation "
            "framework. It researches safeguards, misuse and societal resilience."
        ),
        competences={
            "safety-evaluation": 3,
            "red-teaming": 3,
            "ai-standards": 2,
            "agent-frameworks": 1,
        },
        people=(
            representative(
                "Fiona MacLeod",
                "fiona.macleod",
                "Leads international partnerships at the institute.",
                {"ai-governance": 3},
            ),
            researcher(
                "Tariq Mahmood",
                "tariq.mahmood",
                "Develops agent evaluations for cyber-security tasks.",
                {"safety-evaluation": 3, "agent-frameworks": 2},
            ),
        ),
    ),
    # Non-profits
    Org(
        slug="linux-foundation",
        name="The Linux Foundation",
        short_name="LF",
        kind=NONPROFIT,
        country="US",
        city="San Francisco",
        website="https://www.linuxfoundation.org",
        domains=("linuxfoundation.org",),
        description=(
            "The Linux Foundation hosts open-source foundations such as LF AI & Data and the "
            "PyTorch Foundation and provides neutral governance, legal and community services "
            "for open AI projects. It publishes the Model Openness Framework, which grades "
            "how open a model is."
        ),
        competences={
            "open-source-community": 3,
            "open-source-licensing": 3,
            "ai-governance": 2,
            "ml-frameworks": 1,
        },
        people=(
            representative(
                "Steven Clarke",
                "steven.clarke",
                "Director of AI programmes at the Linux Foundation.",
                {"open-source-community": 3},
            ),
            researcher(
                "Ingrid Solberg",
                "ingrid.solberg",
                "Advises projects on licences for code, model weights and datasets.",
                {"open-source-licensing": 3, "data-provenance": 2},
            ),
        ),
    ),
    Org(
        slug="mlcommons",
        name="MLCommons",
        short_name="MLCommons",
        kind=NONPROFIT,
        country="US",
        city="San Francisco",
        website="https://mlcommons.org",
        domains=("mlcommons.org",),
        description=(
            "MLCommons is an engineering consortium that maintains the MLPerf benchmarks for "
            "training and inference performance and the AILuminate benchmark for AI safety. "
            "It also builds open datasets and the Croissant metadata format for ML data."
        ),
        competences={
            "model-evaluation": 3,
            "safety-evaluation": 2,
            "data-provenance": 2,
            "ai-accelerators": 1,
        },
        people=(
            representative(
                "Paul Richardson",
                "paul.richardson",
                "Runs MLCommons' member programme and its liaison with the alliance.",
                {"model-evaluation": 2},
            ),
            researcher(
                "Keiko Hayashi",
                "keiko.hayashi",
                "Maintains inference benchmarks and their reference implementations.",
                {"model-evaluation": 3, "efficient-inference": 2},
            ),
        ),
    ),
    Org(
        slug="numfocus",
        name="NumFOCUS",
        short_name="NumFOCUS",
        kind=NONPROFIT,
        country="US",
        city="Austin",
        website="https://numfocus.org",
        domains=("numfocus.org",),
        capacity=3,
        description=(
            "NumFOCUS is the fiscal sponsor of open scientific computing projects such as "
            "NumPy, pandas and Matplotlib that machine learning relies on. It supports "
            "maintainers with funding, governance and community programmes."
        ),
        competences={"open-source-community": 3, "ml-frameworks": 2},
        people=(
            representative(
                "Linda Harper",
                "linda.harper",
                "Runs programmes and sponsored projects at NumFOCUS.",
                {"open-source-community": 3},
            ),
            researcher(
                "Ivan Horvat",
                "ivan.horvat",
                "Helps scientific Python projects plan sustainable maintenance.",
                {"open-source-community": 2, "ml-frameworks": 2},
            ),
        ),
    ),
    Org(
        slug="partnership-on-ai",
        name="Partnership on AI",
        short_name="PAI",
        kind=NONPROFIT,
        country="US",
        city="San Francisco",
        website="https://partnershiponai.org",
        domains=("partnershiponai.org",),
        capacity=3,
        description=(
            "Partnership on AI brings together companies, academics and civil society to "
            "write guidance for responsible AI, such as its guidance for safe foundation model "
            "deployment and its work on synthetic media."
        ),
        competences={"ai-governance": 3, "fairness-and-bias": 2, "ai-standards": 2},
        people=(
            representative(
                "Rosa Delgado",
                "rosa.delgado",
                "Head of programmes on responsible AI practice.",
                {"ai-governance": 3},
            ),
            researcher(
                "Marcus Bell",
                "marcus.bell",
                "Researches how to disclose that media were generated by AI.",
                {"ai-governance": 2, "data-provenance": 2},
            ),
        ),
    ),
    Org(
        slug="cleveland-clinic",
        name="Cleveland Clinic",
        short_name="Cleveland Clinic",
        kind=NONPROFIT,
        country="US",
        city="Cleveland",
        website="https://my.clevelandclinic.org",
        domains=("ccf.org",),
        capacity=3,
        description=(
            "Cleveland Clinic is a non-profit academic medical centre that uses AI for "
            "diagnosis, imaging and hospital operations, and works with IBM on AI and quantum "
            "computing for the life sciences. It brings clinical data expertise and "
            "patient-safety review to joint projects."
        ),
        competences={
            "ai-for-healthcare": 3,
            "privacy-preserving-ml": 2,
            "regulatory-compliance": 2,
        },
        people=(
            representative(
                "Helen Carter",
                "helen.carter",
                "Chief research information officer and Cleveland Clinic's contact for the "
                "alliance.",
                {"ai-for-healthcare": 2, "regulatory-compliance": 2},
            ),
            researcher(
                "Joseph Mensah",
                "joseph.mensah",
                "Radiologist developing AI triage tools for chest imaging.",
                {"ai-for-healthcare": 3, "vision-language-models": 2},
            ),
        ),
    ),
)

AFFILIATION_REQUESTS: tuple[AffiliationRequest, ...] = (
    AffiliationRequest(
        "clara.neumann@is.mpg.de",
        "tu-munich",
        "I start a joint appointment at TUM's robotics institute in October and would like "
        "TUM listed as my second affiliation.",
    ),
)

COORDINATOR = Person(
    "Alex Morgan",
    "coordinator",
    "Runs the alliance office: reviews proposals with the coordinators, assigns reviewers "
    "and looks after the consortium rules.",
    {"ai-governance": 2},
)
COORDINATOR_EMAIL = "coordinator@alliance.example"


def institution_data(slug: str) -> Org:
    return next(org for org in INSTITUTIONS if org.slug == slug)


def demo_logins() -> list[tuple[str, str]]:
    """The accounts worth trying first, as (who, email): one for each part of the journey.

    An IBM lead proposes with a TU Munich partner, whose representative signs the
    commitment off; IBM's representative approves IBM's affiliations; a coordinator assigns
    the reviewer, who works elsewhere (UC Berkeley), so is free of conflicts with such a
    consortium, and has a review waiting in Review already; the coordinator decides.
    """
    tum, ibm = institution_data("tu-munich"), institution_data("ibm")
    berkeley, meta = institution_data("uc-berkeley"), institution_data("meta")
    return [
        ("Coordinator", COORDINATOR_EMAIL),
        (f"Lead researcher, {ibm.short_name}", ibm.email(ibm.person("meilin.chen"))),
        # Her open call is still looking for partners: Find partners and Whole consortia.
        (f"Lead of an open call, {meta.short_name}", meta.email(meta.person("yuki.tanaka"))),
        (f"Representative, {ibm.short_name}", ibm.email(ibm.representative)),
        (f"Partner researcher, {tum.short_name}", tum.email(tum.researchers[0])),
        (f"Representative, {tum.short_name}", tum.email(tum.representative)),
        (f"Reviewer, {berkeley.short_name}", berkeley.email(berkeley.person("arjun.mehta"))),
    ]


# Single sign-on --------------------------------------------------------------------------
# ETH Zürich signs its people in with its own OpenID Connect provider: in the demo, the
# provider that the app serves itself under /idp/, reached as localhost (the app itself as
# 127.0.0.1) so that the provider keeps its own session cookie in the browser.
SSO_INSTITUTION = "eth-zurich"
SSO_PERSON = Person(
    "Noor Haddad",
    "noor.haddad",
    "Doctoral student in ETH's robotics labs; signs in with the ETH login.",
    {},
)
SSO_CLIENT_ID = "alliance-hub-demo"
# Published with the demo: the demo provider is not served in production without a key.
SSO_CLIENT_SECRET = "alliance-demo-sso-2026"


def sso_person_email() -> str:
    return institution_data(SSO_INSTITUTION).email(SSO_PERSON)


# What each competence of the vocabulary means, and other names for it: partner matching
# suggests competences from a proposal's text by these.
COMPETENCE_DETAILS: dict[str, tuple[str, str]] = {
    "efficient-inference": (
        "Running trained models faster and cheaper: quantisation, distillation, pruning, caching.",
        "model compression, quantization, fast inference",
    ),
    "instruction-tuning": (
        "Teaching models to follow instructions and human preferences after pretraining.",
        "RLHF, preference optimisation, fine-tuning, alignment",
    ),
    "large-language-models": (
        "Building and studying language models that read and write text.",
        "LLM, chatbots, text generation, language modelling",
    ),
    "model-evaluation": (
        "Measuring what models can do, with benchmarks, test suites and leaderboards.",
        "benchmarking, evals, leaderboards",
    ),
    "pretraining": (
        "Training foundation models from scratch on very large corpora.",
        "foundation model training, scaling laws",
    ),
    "multimodal-foundation-models": (
        "Models that combine text, images, audio and other kinds of input in one network.",
        "multimodal learning, any-to-any models",
    ),
    "speech-audio-models": (
        "Recognising, transcribing and generating speech, music and other sound.",
        "speech recognition, ASR, text to speech, audio generation, voice",
    ),
    "video-understanding": (
        "Recognising actions, events and objects in moving pictures.",
        "video analysis, action recognition",
    ),
    "vision-language-models": (
        "Models that describe images, answer questions about pictures and find images by text.",
        "image captioning, visual question answering, computer vision",
    ),
    "embodied-perception": (
        "Sensing the world for machines that act in it: cameras, touch, depth and force.",
        "robot perception, tactile sensing, sensor fusion",
    ),
    "motion-planning": (
        "Planning and controlling the movements of robot arms, hands and vehicles.",
        "robot control, trajectory optimisation, manipulation, grasping",
    ),
    "reinforcement-learning": (
        "Learning to act from rewards and trial and error.",
        "RL, policy learning, decision making",
    ),
    "robot-learning": (
        "Robots that learn skills such as grasping and manipulation from data and practice.",
        "learning for robotics, imitation learning, dexterous manipulation",
    ),
    "information-extraction": (
        "Pulling entities, facts and relations out of documents.",
        "named entity recognition, relation extraction, document understanding",
    ),
    "knowledge-graphs": (
        "Representing facts as linked entities and relations, and reasoning over them.",
        "ontologies, linked data, semantic web",
    ),
    "neuro-symbolic-reasoning": (
        "Combining neural networks with logic, rules and symbolic reasoning.",
        "logical reasoning, program synthesis",
    ),
    "retrieval-augmented-generation": (
        "Answering questions by searching documents and letting a model write from what it found.",
        "RAG, semantic search, question answering",
    ),
    "fairness-and-bias": (
        "Finding and reducing unfair treatment of groups of people by models and data.",
        "algorithmic fairness, discrimination, bias mitigation",
    ),
    "interpretability": (
        "Explaining why a model decides what it does and what happens inside it.",
        "explainability, XAI, mechanistic interpretability",
    ),
    "privacy-preserving-ml": (
        "Learning from data without exposing the people in it.",
        "differential privacy, federated learning, anonymisation",
    ),
    "red-teaming": (
        "Attacking models on purpose to find harmful, unsafe or insecure behaviour.",
        "adversarial testing, jailbreaks, attacks",
    ),
    "safety-evaluation": (
        "Testing that models do not produce harmful or dangerous answers.",
        "AI safety, harmful content, risk assessment",
    ),
    "ai-accelerators": (
        "Chips and hardware that run neural networks fast: GPUs, TPUs and custom silicon.",
        "hardware, GPUs, chips, semiconductors",
    ),
    "compilers-for-ml": (
        "Compiling neural networks into fast code for processors and accelerators.",
        "ML compilers, kernels, code generation",
    ),
    "distributed-training": (
        "Training large models across many machines and accelerators at once.",
        "parallel training, clusters, supercomputing",
    ),
    "energy-efficient-ai": (
        "Cutting the energy and carbon cost of training and running models.",
        "green AI, low power, sustainability",
    ),
    "agent-frameworks": (
        "Software for models that plan, use tools and act over many steps.",
        "AI agents, tool use, autonomous agents",
    ),
    "ml-frameworks": (
        "Libraries for building and training neural networks.",
        "deep learning libraries, PyTorch, software tools",
    ),
    "mlops-and-serving": (
        "Deploying, monitoring and serving models in production.",
        "model deployment, inference serving, ML operations",
    ),
    "open-source-community": (
        "Growing and governing open-source projects and their contributors.",
        "community management, open development",
    ),
    "data-provenance": (
        "Knowing where training data come from and under which licence they may be used.",
        "data lineage, data licensing, copyright",
    ),
    "dataset-curation": (
        "Collecting, cleaning, filtering and documenting datasets.",
        "data cleaning, data quality, annotation, labelling",
    ),
    "multilingual-data": (
        "Data and models for many languages, including those with few written resources.",
        "low-resource languages, translation, multilingual NLP",
    ),
    "synthetic-data": (
        "Generating artificial data to train or test models.",
        "data generation, simulation, data augmentation",
    ),
    "ai-governance": (
        "Rules, institutions and processes that steer how AI is built and used.",
        "AI policy, oversight, accountability",
    ),
    "ai-standards": (
        "Technical standards and norms for AI systems.",
        "standardisation, ISO, certification",
    ),
    "open-source-licensing": (
        "Licences for open models, code and data, and how they combine.",
        "licensing, OSI licences, open weights",
    ),
    "regulatory-compliance": (
        "Meeting the law for AI systems, such as the EU AI Act and data protection.",
        "AI Act, GDPR, legal compliance",
    ),
    "ai-for-healthcare": (
        "AI in medicine: diagnosis, medical imaging, clinical records and drug discovery.",
        "medical AI, clinical, radiology, health",
    ),
    "climate-and-earth-observation": (
        "AI for weather, climate and satellite images of the Earth.",
        "remote sensing, weather forecasting, climate modelling",
    ),
    "physics-informed-ml": (
        "Machine learning that respects physical laws and simulations.",
        "scientific simulation, surrogate models, PDEs",
    ),
    "scientific-ml": (
        "Machine learning for research in chemistry, biology, materials and physics.",
        "AI for science, molecules, proteins, materials discovery",
    ),
}
