"""Partner matching: planted-topic recall, filters and their reasons, explanations,
diversity, determinism, reverse matching, and the index's invalidation and rebuild."""

from __future__ import annotations

import random

import numpy as np
import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password

from members import services as members_services
from members.enums import (
    InstitutionKind,
    InstitutionStatus,
    MembershipRole,
    MembershipSource,
    MembershipStatus,
)
from members.models import Competence, Institution, Membership, PersonCompetence, User
from members.tests.factories import (
    CompetenceFactory,
    CoordinatorFactory,
    FocusAreaFactory,
    InstitutionCompetenceFactory,
    InstitutionFactory,
    MembershipFactory,
    PersonCompetenceFactory,
    RepresentativeFactory,
)
from projects import matching
from projects.enums import ParticipationRole, ParticipationStatus, Stage, Visibility
from projects.matching import cache as matching_cache
from projects.matching import embedding as matching_embedding
from projects.matching import index as matching_index
from projects.matching.ranking import calibrate, text_affinity
from projects.matching.weights import (
    LEXICAL_FLOOR,
    LEXICAL_TOP,
    MAX_PER_COUNTRY,
    MAX_PER_INSTITUTION,
    SEMANTIC_FLOOR,
    SEMANTIC_TOP,
)
from projects.models import Decision
from projects.services import joining
from projects.services.review import proposal_decide
from projects.tasks import task_rebuild_matching_index
from projects.tests.factories import (
    ParticipationFactory,
    ProposalCompetenceFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db

# Planted topics --------------------------------------------------------------------------

TOPICS = (
    ("Robot manipulation", "gripper manipulator teleoperation actuator kinematics grasping"),
    ("Climate modelling", "precipitation glacier aerosol reanalysis downscaling monsoon"),
    ("Genomics", "genome sequencing protein transcriptomics enzyme mutation"),
    ("ML compilers", "compiler kernel vectorization autotuning tensorcore fusion"),
    ("AI law", "regulation liability copyright compliance statute jurisdiction"),
    ("Speech", "phoneme acoustic prosody diarization vocoder transcription"),
    ("Privacy", "differential federated anonymization encryption membership leakage"),
    ("Knowledge graphs", "ontology triples entity linking sparql taxonomy"),
    ("Computer vision", "segmentation detection pixel optical stereo depth"),
    ("Energy systems", "battery grid photovoltaic turbine inverter storage"),
)
COMMON = ("research", "models", "data", "open", "learning", "systems", "team", "projects", "methods", "tools")  # fmt: skip
COUNTRIES = ("DE", "FR", "US", "JP", "IT")
KINDS = tuple(InstitutionKind)
PEOPLE_PER_TOPIC = 6
N_INSTITUTIONS = 15


def _people(rows: list[tuple[Institution, str, str]]) -> list[User]:
    """Bulk-create people (display name, bio) with active memberships at their institution."""
    password = make_password(None)
    start = User.objects.count()
    users = User.objects.bulk_create(
        User(email=f"p{start + n}@planted.example", display_name=name, bio=bio, password=password)
        for n, (_inst, name, bio) in enumerate(rows)
    )
    Membership.objects.bulk_create(
        Membership(
            person=user,
            institution=inst,
            role=MembershipRole.RESEARCHER,
            status=MembershipStatus.ACTIVE,
            source=MembershipSource.COORDINATOR,
        )
        for user, (inst, _name, _bio) in zip(users, rows, strict=True)
    )
    return users


@pytest.fixture
def planted():
    """Ten topics, each with its own words and competence; six people per topic spread over
    fifteen institutions in five countries; twenty distractors; one proposal per topic."""
    rng = random.Random(7)
    area = FocusAreaFactory(name="Planted", slug="planted")
    competences = [
        CompetenceFactory(focus_area=area, name=name, slug=f"planted-{t}")
        for t, (name, _words) in enumerate(TOPICS)
    ]
    institutions = [
        InstitutionFactory(
            name=f"Planted institute {i}",
            country=COUNTRIES[i % len(COUNTRIES)],
            kind=KINDS[i % len(KINDS)],
            description=f"An institute for {' '.join(rng.sample(COMMON, 3))}.",
            capacity=9,
        )
        for i in range(N_INSTITUTIONS)
    ]
    rows, topic_of = [], []
    for t, (_name, words) in enumerate(TOPICS):
        vocab = words.split()
        for k in range(PEOPLE_PER_TOPIC):
            other = TOPICS[(t + 1 + k) % len(TOPICS)][1].split()
            bio = (
                f"Researcher in {' '.join(rng.sample(vocab, 3))} with {' '.join(rng.sample(COMMON, 3))}; "
                f"once touched {rng.choice(other)}."
            )
            rows.append(
                (institutions[(t * PEOPLE_PER_TOPIC + k) % N_INSTITUTIONS], f"T{t}-{k}", bio)
            )
            topic_of.append(t)
    for d in range(20):  # distractors: a word from each of two topics, common words
        a, b = rng.sample(range(len(TOPICS)), 2)
        bio = (
            f"{rng.choice(TOPICS[a][1].split())} {rng.choice(TOPICS[b][1].split())} "
            f"{' '.join(rng.sample(COMMON, 4))}"
        )
        rows.append((institutions[d % N_INSTITUTIONS], f"D{d}", bio))
        topic_of.append(None)
    people = _people(rows)
    PersonCompetence.objects.bulk_create(
        [
            PersonCompetence(person=person, competence=competences[t], level=rng.choice((1, 2, 3)))
            for person, t in zip(people, topic_of, strict=True)
            if t is not None and rng.random() < 0.8
        ]
        + [
            PersonCompetence(person=person, competence=rng.choice(competences), level=1)
            for person, t in zip(people, topic_of, strict=True)
            if t is None and rng.random() < 0.3
        ]
    )
    lead_institution = InstitutionFactory(name="Planted lead", country="CH", capacity=20)
    proposals = []
    for t, (_name, words) in enumerate(TOPICS):
        proposal = ProposalFactory(
            title=f"Joint work {t}",
            summary=f"We study {' '.join(rng.sample(words.split(), 4))} with open tools.",
            description=f"{' '.join(rng.sample(words.split(), 3))} {' '.join(rng.sample(COMMON, 3))}",
            lead_institution=lead_institution,
            stage=Stage.DEFINE,
        )
        ProposalCompetenceFactory(proposal=proposal, competence=competences[t], importance=3)
        proposals.append(proposal)
    relevant = {
        t: {person.pk for person, pt in zip(people, topic_of, strict=True) if pt == t}
        for t in range(len(TOPICS))
    }
    return {
        "proposals": proposals,
        "relevant": relevant,
        "competences": competences,
        "institutions": institutions,
    }


def test_suggest_people_recall_at_10_on_planted_topics(planted):
    index = matching.build_index()
    recalls = []
    for t, proposal in enumerate(planted["proposals"]):
        top = matching.suggest_people(proposal=proposal, index=index, limit=10)
        found = {s.person.pk for s in top} & planted["relevant"][t]
        recalls.append(len(found) / min(10, len(planted["relevant"][t])))
    recall = sum(recalls) / len(recalls)
    print(f"recall@10 = {recall:.3f}")
    assert recall >= 0.6


def test_suggest_institutions_recall_at_5_on_planted_topics(planted):
    index = matching.build_index()
    homes = {
        t: set(
            Membership.objects.filter(person_id__in=people).values_list("institution_id", flat=True)
        )
        for t, people in planted["relevant"].items()
    }
    recalls = []
    for t, proposal in enumerate(planted["proposals"]):
        top = matching.suggest_institutions(proposal=proposal, index=index, limit=5)
        recalls.append(len({s.institution.pk for s in top} & homes[t]) / 5)
    recall = sum(recalls) / len(recalls)
    print(f"institution recall@5 = {recall:.3f}")
    assert recall >= 0.6


def test_suggestion_components_add_up_to_score(planted):
    index = matching.build_index()
    proposal = planted["proposals"][3]
    suggestions = matching.suggest_people(proposal=proposal, index=index) + (
        matching.suggest_institutions(proposal=proposal, index=index)
    )
    assert len(suggestions) == 20 + N_INSTITUTIONS
    for s in suggestions:
        assert abs(sum(s.components.values()) - s.score) <= 1e-9
        assert set(s.components) == set(matching.WEIGHTS)
        for name, value in s.components.items():
            assert value == pytest.approx(matching.WEIGHTS[name] * s.raw[name], abs=1e-12)
            assert 0.0 <= s.raw[name] <= 1.0
        assert 0.0 <= s.score <= 1.0


def test_suggestion_explanation_names_competences_terms_and_coverage(planted):
    index = matching.build_index()
    proposal = planted["proposals"][0]
    competence = planted["competences"][0]
    top = matching.suggest_people(proposal=proposal, index=index, limit=5)
    with_competence = [s for s in top if s.matched_competences]
    assert with_competence
    for s in with_competence:
        level = PersonCompetence.objects.get(person=s.person, competence=competence).level
        assert s.matched_competences == [(competence.name, level, 3)]
        # The lead institution covers nothing, so every match adds to coverage.
        assert s.adds_coverage == [competence.name]
    vocabulary = set(TOPICS[0][1].split())
    assert top[0].shared_terms
    assert len(top[0].shared_terms) <= 5
    assert set(" ".join(top[0].shared_terms).split()) <= vocabulary | set(COMMON) | {"tools"}


def test_text_affinity_calibrated_in_unit_interval(planted):
    index = matching.build_index()
    top = matching.suggest_people(proposal=planted["proposals"][5], index=index, limit=50)
    texts = [s.raw["text"] for s in top]
    assert all(0.0 <= value <= 1.0 for value in texts)
    # The text component is the best text's calibrated similarity itself, not its rank.
    assert [s.raw["text"] for s in top] == [s.similarity for s in top]


def test_calibrate_floor_adds_nothing_and_top_counts_fully():
    values = np.array([-0.2, 0.0, LEXICAL_FLOOR, 0.3, LEXICAL_TOP, 0.9])
    assert calibrate(values, floor=LEXICAL_FLOOR, top=LEXICAL_TOP).tolist() == pytest.approx(
        [0.0, 0.0, 0.0, 0.5, 1.0, 1.0]
    )


def test_text_affinity_stray_shared_word_scores_zero():
    # A TF-IDF cosine of 0.03 from one incidental word, and an unrelated topic's embedding
    # cosine: neither adds anything (rank normalisation made such a match 0.9).
    affinity = text_affinity(semantic=np.array([0.25, 0.55]), lexical=np.array([0.03, 0.0]))
    assert affinity.tolist() == pytest.approx(
        [0.0, (0.55 - SEMANTIC_FLOOR) / (SEMANTIC_TOP - SEMANTIC_FLOOR)]
    )


def test_text_affinity_takes_the_better_signal():
    affinity = text_affinity(semantic=np.array([0.3]), lexical=np.array([0.5]))
    assert affinity.tolist() == [1.0]


def test_suggest_people_stray_word_does_not_outrank_meaning():
    focus = FocusAreaFactory()
    lead_institution = InstitutionFactory(country="DE")
    lead = MembershipFactory(institution=lead_institution).person
    expert = MembershipFactory(
        institution=InstitutionFactory(country="FR", description=""),
        person__bio="Robot grasping with tactile sensing and slip detection in the gripper.",
    ).person
    stray = MembershipFactory(
        institution=InstitutionFactory(country="IT", description=""),
        person__bio="I keep a test set of medieval manuscripts.",
    ).person
    proposal = ProposalFactory(
        lead=lead,
        lead_institution=lead_institution,
        focus_area=focus,
        title="Dexterous manipulation using touch sensors",
        summary="We set up dexterous manipulation using touch sensors.",
        stage=Stage.DEFINE,
        visibility=Visibility.OPEN_CALL,
    )
    top = matching.suggest_people(proposal=proposal, index=matching.build_index(), limit=10)
    by_person = {s.person: s for s in top}
    assert top[0].person == expert
    assert by_person[stray].raw["text"] == 0.0


def test_index_build_deterministic(planted):
    proposal = planted["proposals"][2]
    first = matching.suggest_people(proposal=proposal, index=matching.build_index())
    second = matching.suggest_people(proposal=proposal, index=matching.build_index())
    assert [(s.person.pk, s.institution.pk, s.score) for s in first] == [
        (s.person.pk, s.institution.pk, s.score) for s in second
    ]
    assert [s.shared_terms for s in first] == [s.shared_terms for s in second]


def test_suggest_people_display_filters(planted):
    index = matching.build_index()
    proposal = planted["proposals"][1]
    competence = planted["competences"][1]
    by_country = matching.suggest_people(proposal=proposal, index=index, country="FR")
    assert by_country
    assert {s.institution.country.code for s in by_country} == {"FR"}
    by_kind = matching.suggest_people(proposal=proposal, index=index, kind=InstitutionKind.COMPANY)
    assert {s.institution.kind for s in by_kind} == {InstitutionKind.COMPANY}
    by_competence = matching.suggest_people(proposal=proposal, index=index, competence=competence)
    assert by_competence
    assert all(
        PersonCompetence.objects.filter(person=s.person, competence=competence).exists()
        for s in by_competence
    )


# Diversity -------------------------------------------------------------------------------


def test_suggest_people_diversity_caps_institution_and_country():
    competence = CompetenceFactory(name="Robot grasping")
    big = InstitutionFactory(name="Big lab", country="DE", capacity=9)
    german = [InstitutionFactory(name=f"German lab {n}", country="DE") for n in range(6)]
    abroad = [
        InstitutionFactory(name=f"Lab abroad {n}", country=code)
        for n, code in enumerate(("FR", "IT", "ES", "NL", "PL", "SE"))
    ]
    strong = "gripper manipulator grasping kinematics actuator teleoperation"
    people = _people(
        [(big, f"Big {n}", strong) for n in range(8)]
        + [(inst, f"German {n}", strong) for n, inst in enumerate(german)]
        + [(inst, f"Abroad {n}", "gripper design") for n, inst in enumerate(abroad)]
    )
    PersonCompetence.objects.bulk_create(
        PersonCompetence(person=p, competence=competence, level=3) for p in people[:14]
    )
    proposal = ProposalFactory(
        summary=strong,
        description=strong,
        lead_institution=InstitutionFactory(name="Lead lab", country="CH"),
    )
    ProposalCompetenceFactory(proposal=proposal, competence=competence, importance=3)
    index = matching.build_index()

    top = matching.suggest_people(proposal=proposal, index=index, limit=10)

    assert len(top) == 10
    institutions = [s.institution.pk for s in top]
    countries = [s.institution.country.code for s in top]
    assert max(institutions.count(pk) for pk in institutions) == MAX_PER_INSTITUTION
    assert countries.count("DE") == MAX_PER_COUNTRY
    # Without the re-ranking all ten would be German: the strong profiles score higher.
    assert min(s.score for s in top if s.institution.country.code == "DE") > max(
        s.score for s in top if s.institution.country.code != "DE"
    )


def test_suggest_people_diversity_fills_window_without_alternatives():
    only = InstitutionFactory(name="Only lab", country="DE", capacity=9)
    _people([(only, f"Person {n}", "gripper grasping") for n in range(12)])
    proposal = ProposalFactory(summary="gripper grasping", description="gripper")
    top = matching.suggest_people(proposal=proposal, index=matching.build_index(), limit=10)
    assert [s.institution.pk for s in top] == [only.pk] * 10


def test_suggest_people_diversity_says_who_moved_and_from_where(diverse_germans):
    """Every suggestion knows its place by score alone; the re-ranking names why it moved."""
    top = matching.suggest_people(**diverse_germans, limit=10)

    assert [s.rank for s in top] == list(range(1, 11))
    assert [(s.rank, s.score_rank) for s in top[:3]] == [(1, 1), (2, 2), (3, 3)]  # Big lab
    # The fourth German comes from another lab; the six from abroad follow the fourteen
    # strong Germans by score.
    assert [(s.score_rank, s.moved_up) for s in top[3:]] == [
        (9, True),
        *((n, True) for n in range(15, 21)),
    ]
    assert [s.institution.country.code for s in top[4:]] == ["FR", "IT", "ES", "NL", "PL", "SE"]
    assert [s for s in top if s.held_back] == []
    # Those the caps held back wait outside the top ten, each with the cap that held it.
    everyone = matching.suggest_people(**diverse_germans, limit=20)
    assert {s.held_back for s in everyone if s.rank > 10 and s.score_rank <= 10} == {
        "institution",
        "country",
    }


def test_suggest_people_without_diversity_follow_the_score(diverse_germans):
    """Turned off, the list is the plain score order and nobody is said to have moved."""
    top = matching.suggest_people(**diverse_germans, limit=10, diversity=False)

    assert [s.score for s in top] == sorted((s.score for s in top), reverse=True)
    assert [(s.rank, s.score_rank, s.held_back) for s in top] == [
        (n, n, None) for n in range(1, 11)
    ]
    assert {s.institution.country.code for s in top} == {"DE"}


@pytest.fixture
def diverse_germans():
    """Fourteen strong German profiles (eight at one lab) and six weaker ones abroad."""
    competence = CompetenceFactory(name="Robot grasping")
    big = InstitutionFactory(name="Big lab", country="DE", capacity=9)
    german = [InstitutionFactory(name=f"German lab {n}", country="DE") for n in range(6)]
    abroad = [
        InstitutionFactory(name=f"Lab abroad {n}", country=code)
        for n, code in enumerate(("FR", "IT", "ES", "NL", "PL", "SE"))
    ]
    strong = "gripper manipulator grasping kinematics actuator teleoperation"
    people = _people(
        [(big, f"Big {n}", strong) for n in range(8)]
        + [(inst, f"German {n}", strong) for n, inst in enumerate(german)]
        + [(inst, f"Abroad {n}", "gripper design") for n, inst in enumerate(abroad)]
    )
    PersonCompetence.objects.bulk_create(
        PersonCompetence(person=p, competence=competence, level=3) for p in people[:14]
    )
    proposal = ProposalFactory(
        summary=strong,
        description=strong,
        lead_institution=InstitutionFactory(name="Lead lab", country="CH"),
    )
    ProposalCompetenceFactory(proposal=proposal, competence=competence, importance=3)
    return {"proposal": proposal, "index": matching.build_index()}


# Filters and their reasons --------------------------------------------------------------


@pytest.fixture
def filtered():
    """One institution per filter reason, one eligible, and an opted-out researcher."""
    lead_institution = InstitutionFactory(name="Lead", country="DE")
    proposal = ProposalFactory(lead_institution=lead_institution, stage=Stage.DEFINE)
    fine = InstitutionFactory(name="Fine", country="FR")
    applicant = InstitutionFactory(name="Applicant", status=InstitutionStatus.APPLICANT)
    suspended = InstitutionFactory(name="Suspended", status=InstitutionStatus.SUSPENDED)
    opted_out = InstitutionFactory(name="Opted out", open_to_partnering=False)
    invited = InstitutionFactory(name="Invited")
    ParticipationFactory(proposal=proposal, institution=invited, status=ParticipationStatus.INVITED)
    accepted = InstitutionFactory(name="Accepted")
    ParticipationFactory(
        proposal=proposal, institution=accepted, status=ParticipationStatus.ACCEPTED
    )
    full = InstitutionFactory(name="Full", capacity=2)
    # Load counts distinct proposals in active stages where it is in the consortium,
    # leading included; completed, declined and withdrawn participations do not count.
    ProposalFactory(lead_institution=full, stage=Stage.DRIVE)
    ParticipationFactory(
        proposal=ProposalFactory(stage=Stage.REVIEW),
        institution=full,
        status=ParticipationStatus.CONFIRMED,
    )
    ParticipationFactory(
        proposal=ProposalFactory(stage=Stage.COMPLETED),
        institution=full,
        status=ParticipationStatus.CONFIRMED,
    )
    ParticipationFactory(
        proposal=ProposalFactory(stage=Stage.DEFINE),
        institution=full,
        status=ParticipationStatus.DECLINED,
    )
    not_full = InstitutionFactory(name="Not full", capacity=2)
    ParticipationFactory(
        proposal=ProposalFactory(stage=Stage.DEFINE),
        institution=not_full,
        status=ParticipationStatus.INVITED,
    )
    ParticipationFactory(
        proposal=ProposalFactory(stage=Stage.WITHDRAWN),
        institution=not_full,
        status=ParticipationStatus.CONFIRMED,
    )
    private = MembershipFactory(institution=fine, person__open_to_partnering=False).person
    public = MembershipFactory(institution=fine).person
    return {
        "proposal": proposal,
        "lead": lead_institution,
        "fine": fine,
        "not_full": not_full,
        "applicant": applicant,
        "suspended": suspended,
        "opted_out": opted_out,
        "invited": invited,
        "accepted": accepted,
        "full": full,
        "private": private,
        "public": public,
    }


@pytest.mark.parametrize(
    ("name", "reasons"),
    [
        ("lead", ["the lead's own institution"]),
        ("applicant", ["not a member yet"]),
        ("suspended", ["suspended"]),
        ("opted_out", ["opted out"]),
        ("invited", ["already in the consortium"]),
        ("accepted", ["already in the consortium"]),
        ("full", ["at capacity 2/2"]),
        ("fine", []),
        ("not_full", []),
    ],
)
def test_why_not_names_each_filter_reason(filtered, name, reasons):
    index = matching.build_index()
    assert (
        matching.why_not(proposal=filtered["proposal"], institution=filtered[name], index=index)
        == reasons
    )


def test_why_not_lists_every_reason_of_one_institution(filtered):
    full = filtered["full"]
    Institution.objects.filter(pk=full.pk).update(
        status=InstitutionStatus.SUSPENDED, open_to_partnering=False
    )
    index = matching.build_index()
    assert matching.why_not(proposal=filtered["proposal"], institution=full, index=index) == [
        "suspended",
        "opted out",
        "at capacity 2/2",
    ]


def test_excluded_institutions_maps_every_filtered_institution(filtered):
    index = matching.build_index()
    excluded = matching.excluded_institutions(proposal=filtered["proposal"], index=index)
    proposal = filtered["proposal"]
    own = {
        filtered[name].pk: reasons
        for name, reasons in [
            ("lead", ["the lead's own institution"]),
            ("applicant", ["not a member yet"]),
            ("suspended", ["suspended"]),
            ("opted_out", ["opted out"]),
            ("invited", ["already in the consortium"]),
            ("accepted", ["already in the consortium"]),
            ("full", ["at capacity 2/2"]),
        ]
    }
    assert excluded == own
    suggested = matching.suggest_institutions(proposal=proposal, index=index, limit=100)
    assert not {s.institution.pk for s in suggested} & set(excluded)


def test_suggest_people_skips_opted_out_person_and_the_filtered(filtered):
    index = matching.build_index()
    proposal = filtered["proposal"]
    people = matching.suggest_people(proposal=proposal, index=index, limit=100)
    suggested = {s.person.pk for s in people}
    assert filtered["public"].pk in suggested
    assert filtered["private"].pk not in suggested
    assert proposal.lead_id not in suggested
    excluded = matching.excluded_institutions(proposal=proposal, index=index)
    assert not {s.institution.pk for s in people} & set(excluded)
    assert matching.why_not_person(proposal=proposal, person=filtered["private"], index=index) == [
        "opted out"
    ]
    assert matching.why_not_person(proposal=proposal, person=filtered["public"], index=index) == []
    assert matching.why_not_person(proposal=proposal, person=proposal.lead, index=index) == [
        "the lead"
    ]


def test_filters_read_live_state_not_the_index(filtered):
    """Suspending or filling an institution takes effect before the index is rebuilt."""
    index = matching.build_index()
    proposal = filtered["proposal"]
    fine = filtered["fine"]
    Institution.objects.filter(pk=fine.pk).update(status=InstitutionStatus.SUSPENDED)
    assert matching.why_not(proposal=proposal, institution=fine, index=index) == ["suspended"]
    User.objects.filter(pk=filtered["public"].pk).update(open_to_partnering=False)
    people = matching.suggest_people(proposal=proposal, index=index, limit=100)
    assert filtered["public"].pk not in {s.person.pk for s in people}


# Reverse matching -----------------------------------------------------------------------


def test_proposals_needing_lists_open_define_proposals_for_a_person():
    competence = CompetenceFactory(name="Speech synthesis")
    other = CompetenceFactory(name="Glacier modelling")
    home = InstitutionFactory(name="Home")
    person = MembershipFactory(institution=home, person__bio="vocoder prosody speech").person
    PersonCompetenceFactory(person=person, competence=competence, level=3)

    def proposal(**kwargs):
        p = ProposalFactory(summary="A vocoder with prosody control.", **kwargs)
        ProposalCompetenceFactory(proposal=p, competence=kwargs.pop("needs", competence))
        return p

    wanted = proposal(stage=Stage.DEFINE)
    also = ProposalFactory(stage=Stage.DEFINE, summary="Unrelated.")
    ProposalCompetenceFactory(proposal=also, competence=competence, importance=1)
    ProposalCompetenceFactory(proposal=also, competence=other, importance=3)
    proposal(stage=Stage.DEFINE, visibility=Visibility.CONFIDENTIAL)
    proposal(stage=Stage.REVIEW)
    own = ProposalFactory(stage=Stage.DEFINE, lead_institution=home, lead=person)
    ProposalCompetenceFactory(proposal=own, competence=competence)
    joined = proposal(stage=Stage.DEFINE)
    ParticipationFactory(proposal=joined, institution=home, person=person)
    unrelated = ProposalFactory(stage=Stage.DEFINE)
    ProposalCompetenceFactory(proposal=unrelated, competence=other)
    index = matching.build_index()

    found = matching.proposals_needing(person=person, index=index)

    assert [(p.pk, names) for p, _score, names in found] == [
        (wanted.pk, ["Speech synthesis"]),
        (also.pk, ["Speech synthesis"]),
    ]
    assert 0 < found[1][1] < found[0][1] <= 1
    for_home = matching.proposals_needing(institution=home, index=index)
    assert [p.pk for p, _s, _n in for_home] == [wanted.pk, also.pk]


# Invalidation and the rebuild task ------------------------------------------------------


def _run_tasks_in_process(monkeypatch):
    """Eager mode runs the task itself; with a broker, run the named task here instead."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return

    def run_here(name: str, **kwargs) -> None:
        assert name == task_rebuild_matching_index.name
        task_rebuild_matching_index.apply(kwargs=kwargs)

    monkeypatch.setattr(matching_cache, "enqueue", run_here)


def test_invalidate_and_task_rebuild_index(monkeypatch, django_capture_on_commit_callbacks):
    _run_tasks_in_process(monkeypatch)
    matching.reset()
    first = matching.get_index()
    assert matching.get_index() is first
    newcomer = MembershipFactory(person__bio="A newcomer.").person
    assert newcomer.pk not in first.person_pos

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        matching.invalidate()
        matching.invalidate()  # one rebuild per transaction

    assert len(callbacks) == 1
    rebuilt = matching.get_index()
    assert rebuilt is not first
    assert rebuilt.version == matching_cache.current_version()
    assert newcomer.pk in rebuilt.person_pos
    assert matching.get_index() is rebuilt


def test_profile_change_rebuilds_index_on_commit(monkeypatch, django_capture_on_commit_callbacks):
    _run_tasks_in_process(monkeypatch)
    person = MembershipFactory(person__bio="Nothing yet.").person
    matching.reset()
    before = matching.get_index()
    with django_capture_on_commit_callbacks(execute=True):
        members_services.person_update_profile(person=person, bio="Quantum annealing.")
    after = matching.get_index()
    assert after is not before
    assert after.version == matching_cache.current_version()
    p = after.person_pos[person.pk]
    rows = after.person_text_rows(p)
    assert after.shared_terms(after.query_vector("quantum annealing"), rows, 5) == [
        "quantum annealing"
    ]


def test_membership_approve_adds_the_person_to_the_index(
    monkeypatch, django_capture_on_commit_callbacks
):
    """The service says so: approving changes neither the number nor the newest membership."""
    _run_tasks_in_process(monkeypatch)
    representative = RepresentativeFactory()
    pending = MembershipFactory(
        institution=representative.institution, status=MembershipStatus.PENDING
    )
    matching.reset()
    before = matching.get_index()
    assert pending.person_id not in before.person_pos
    with django_capture_on_commit_callbacks(execute=True):
        members_services.membership_approve(membership=pending, actor=representative.person)
    after = matching.get_index()
    assert after.version == matching_cache.current_version() != before.version
    assert pending.person_id in after.person_pos


def test_membership_end_removes_the_person_from_the_index(
    monkeypatch, django_capture_on_commit_callbacks
):
    _run_tasks_in_process(monkeypatch)
    representative = RepresentativeFactory()
    active = MembershipFactory(institution=representative.institution)
    matching.reset()
    before = matching.get_index()
    assert active.person_id in before.person_pos
    with django_capture_on_commit_callbacks(execute=True):
        members_services.membership_end(membership=active, actor=representative.person)
    after = matching.get_index()
    assert after.version == matching_cache.current_version() != before.version
    assert active.person_id not in after.person_pos


def test_participation_withdrawal_from_a_running_project_leaves_the_index(
    monkeypatch, django_capture_on_commit_callbacks
):
    """A public project's summary counts among its partners' texts only while they take part."""
    _run_tasks_in_process(monkeypatch)
    proposal = ProposalFactory(stage=Stage.DRIVE, summary="Quantum annealing for logistics.")
    partner = RepresentativeFactory(institution__description="Operations research.")
    participation = ParticipationFactory(
        proposal=proposal, institution=partner.institution, person=partner.person
    )
    matching.reset()
    before = matching.get_index()
    query = before.query_vector("quantum annealing")
    i = before.institution_pos[partner.institution_id]
    assert before.shared_terms(query, before.institution_text_rows(i), 5) == ["quantum annealing"]
    with django_capture_on_commit_callbacks(execute=True):
        joining.participation_withdraw(
            participation=participation,
            actor=partner.person,
            comment="Out of funds.",
            confirmed=True,
        )
    after = matching.get_index()
    assert after.version == matching_cache.current_version() != before.version
    i = after.institution_pos[partner.institution_id]
    assert after.shared_terms(query, after.institution_text_rows(i), 5) == []


def test_get_index_rebuilds_when_an_institution_save_carries_a_membership_change():
    """The admin saves the institution with its membership inline; the fingerprint sees that."""
    representative = RepresentativeFactory()
    pending = MembershipFactory(
        institution=representative.institution, status=MembershipStatus.PENDING
    )
    matching.reset()
    assert pending.person_id not in matching.get_index().person_pos
    Membership.objects.filter(pk=pending.pk).update(status=MembershipStatus.ACTIVE)
    representative.institution.save()
    assert pending.person_id in matching.get_index().person_pos


def test_invalidate_survives_broker_outage(monkeypatch, django_capture_on_commit_callbacks):
    def refuse():
        raise ConnectionError("broker down")

    monkeypatch.setattr(task_rebuild_matching_index, "delay", refuse)
    matching.reset()
    first = matching.get_index()
    newcomer = MembershipFactory().person
    with django_capture_on_commit_callbacks(execute=True):
        matching.invalidate()  # logs, does not raise
    # No worker built it: the request builds the index itself.
    monkeypatch.setattr(matching_cache, "STALE_GRACE", 0.0)
    rebuilt = matching.get_index()
    assert rebuilt is not first
    assert newcomer.pk in rebuilt.person_pos


def test_get_index_loads_index_shared_by_worker(monkeypatch):
    matching.reset()
    version = matching_cache.current_version()
    assert matching_cache.rebuild() == version
    shared = matching_cache.cache.get(matching_cache.INDEX_KEY.format(version=version))
    assert shared is not None
    monkeypatch.setattr(matching_cache, "_local", None)
    assert matching.get_index().version == version


def test_weights_sum_to_one():
    assert sum(matching.WEIGHTS.values()) == pytest.approx(1.0, abs=1e-12)
    assert set(matching.WEIGHTS) == {"text", "coverage", "complementarity", "capacity", "newcomer"}


def test_suggest_institutions_uses_competences_of_active_people():
    competence = CompetenceFactory(name="Motion planning")
    proposal = ProposalFactory(stage=Stage.DEFINE)
    ProposalCompetenceFactory(proposal=proposal, competence=competence, importance=2)
    through_people = InstitutionFactory(name="Through people")
    PersonCompetenceFactory(
        person=MembershipFactory(institution=through_people).person, competence=competence, level=2
    )
    ended = InstitutionFactory(name="Ended")
    PersonCompetenceFactory(
        person=MembershipFactory(institution=ended, status=MembershipStatus.ENDED).person,
        competence=competence,
        level=3,
    )
    own = InstitutionFactory(name="Own profile")
    InstitutionCompetenceFactory(institution=own, competence=competence, level=3)
    suggestions = {
        s.institution.pk: s
        for s in matching.suggest_institutions(proposal=proposal, index=matching.build_index())
    }
    assert suggestions[through_people.pk].matched_competences == [("Motion planning", 2, 2)]
    assert suggestions[own.pk].matched_competences == [("Motion planning", 3, 2)]
    assert suggestions[ended.pk].matched_competences == []
    assert suggestions[own.pk].raw["coverage"] == 1.0
    assert suggestions[own.pk].raw["complementarity"] == 1.0
    assert suggestions[through_people.pk].raw["coverage"] == pytest.approx(2 / 3)


def test_newcomer_and_capacity_components():
    proposal = ProposalFactory(stage=Stage.DEFINE)
    competence = CompetenceFactory()
    ProposalCompetenceFactory(proposal=proposal, competence=competence, importance=2)
    busy = InstitutionFactory(name="Busy", capacity=4)
    ProposalFactory(lead_institution=busy, stage=Stage.DRIVE)
    ProposalFactory(lead_institution=busy, stage=Stage.COMPLETED)
    idle = InstitutionFactory(name="Idle", capacity=4)
    for institution in (busy, idle):  # fully relevant: they count in full
        InstitutionCompetenceFactory(institution=institution, competence=competence, level=3)
    suggestions = {
        s.institution.pk: s
        for s in matching.suggest_institutions(proposal=proposal, index=matching.build_index())
    }
    assert suggestions[busy.pk].raw["capacity"] == 0.75
    assert suggestions[busy.pk].raw["newcomer"] == pytest.approx(1 / 3)
    assert suggestions[idle.pk].raw["capacity"] == 1.0
    assert suggestions[idle.pk].raw["newcomer"] == 1.0


def test_capacity_and_newcomer_do_not_lift_irrelevant_candidates():
    proposal = ProposalFactory(stage=Stage.DEFINE)
    competence = CompetenceFactory()
    ProposalCompetenceFactory(proposal=proposal, competence=competence, importance=2)
    idle = InstitutionFactory(name="Idle, does something else", capacity=4, description="")
    relevant = InstitutionFactory(name="Relevant", capacity=4, description="")
    InstitutionCompetenceFactory(institution=relevant, competence=competence, level=2)
    suggestions = {
        s.institution.pk: s
        for s in matching.suggest_institutions(proposal=proposal, index=matching.build_index())
    }
    assert suggestions[idle.pk].score == 0.0
    assert suggestions[relevant.pk].raw["capacity"] == pytest.approx(2 / 3)


def test_competence_filter_unknown_to_index_suggests_nobody(planted):
    index = matching.build_index()
    newer = Competence.objects.create(
        focus_area=planted["competences"][0].focus_area, name="Brand new", slug="brand-new"
    )
    assert (
        matching.suggest_people(proposal=planted["proposals"][0], index=index, competence=newer)
        == []
    )


def test_lead_participation_role_counts_as_member(filtered):
    """The lead institution's own participation row never makes it a candidate."""
    proposal = filtered["proposal"]
    assert proposal.participations.filter(role=ParticipationRole.LEAD).exists()
    index = matching.build_index()
    suggested = matching.suggest_institutions(proposal=proposal, index=index, limit=100)
    assert filtered["lead"].pk not in {s.institution.pk for s in suggested}


def test_get_index_rebuilds_after_changes_that_bypass_services():
    """Admin edits and other tests' data carry no signal; the database fingerprint sees them."""
    matching.reset()
    first = matching.get_index()
    assert matching.get_index() is first
    added = InstitutionFactory(name="Added through the admin")
    rebuilt = matching.get_index()
    assert rebuilt is not first
    assert added.pk in rebuilt.institution_pos


def test_suggestions_without_any_text():
    """No bios and no descriptions: no vocabulary, text affinity 0, the rest still ranks."""
    competence = CompetenceFactory(name="Robot grasping")
    proposal = ProposalFactory(
        stage=Stage.DRAFT,  # not an open call, so its competence names are no text either
        title="",
        summary="",
        description="",
        lead_institution=InstitutionFactory(description=""),
    )
    Institution.objects.update(description="")
    ProposalCompetenceFactory(proposal=proposal, competence=competence, importance=3)
    partner = InstitutionFactory(name="Partner", description="")
    PersonCompetenceFactory(
        person=MembershipFactory(institution=partner).person, competence=competence, level=3
    )
    index = matching.build_index()
    assert index.vectorizer is None
    [suggestion] = matching.suggest_people(proposal=proposal, index=index)
    assert suggestion.raw["text"] == 0.0
    assert suggestion.shared_terms == []
    assert suggestion.matched_competences == [("Robot grasping", 3, 3)]


# What matching may learn from --------------------------------------------------------------


@pytest.fixture
def unpublished_words():
    """A colleague's draft and a confidential proposal in review, each with its own word, and
    another lead's open call that uses both words."""
    robotics = CompetenceFactory(name="Robot learning")
    home = InstitutionFactory(name="Home of the drafts", description="Applied robotics.")
    colleague = MembershipFactory(institution=home, person__bio="Robot learning.").person
    PersonCompetenceFactory(person=colleague, competence=robotics, level=2)
    draft = ProposalFactory(
        stage=Stage.DRAFT,
        lead=colleague,
        lead_institution=home,
        summary="Zorbulating the grasp planner.",
    )
    confidential = ProposalFactory(
        stage=Stage.REVIEW,
        visibility=Visibility.CONFIDENTIAL,
        lead=colleague,
        lead_institution=home,
        summary="Quigglefrost calibration of arms.",
    )
    call = ProposalFactory(
        stage=Stage.DEFINE,
        summary="Robot learning.",
        description="Zorbulating planners and quigglefrost calibration for robot learning.",
    )
    ProposalCompetenceFactory(proposal=call, competence=robotics, importance=3)
    return {"call": call, "colleague": colleague, "draft": draft, "confidential": confidential}


def _words_seen(suggestions) -> set[str]:
    return {word for s in suggestions for term in s.shared_terms for word in term.split()}


def test_index_learns_no_text_of_unpublished_proposals(unpublished_words):
    """A draft's or a confidential proposal's words never reach another lead's suggestions."""
    call = unpublished_words["call"]
    index = matching.build_index()

    people = matching.suggest_people(proposal=call, index=index)
    institutions = matching.suggest_institutions(proposal=call, index=index)

    assert [s.person for s in people] == [unpublished_words["colleague"]]
    assert _words_seen(people) | _words_seen(institutions) == {"robot", "learning"}


def test_index_learns_a_proposal_once_it_is_public(
    unpublished_words, monkeypatch, django_capture_on_commit_callbacks
):
    """Approval makes the summary public; the invalidation it sends rebuilds the index with it."""
    _run_tasks_in_process(monkeypatch)
    call = unpublished_words["call"]
    matching.reset()
    before = matching.get_index()
    assert matching.get_index() is before
    with django_capture_on_commit_callbacks(execute=True):
        proposal_decide(
            proposal=unpublished_words["confidential"],
            actor=CoordinatorFactory(),
            outcome=Decision.Outcome.APPROVE,
            reason="Sound plan.",
        )
    after = matching.get_index()

    assert after.version == matching_cache.current_version() != before.version
    [suggestion] = matching.suggest_people(proposal=call, index=after)
    assert "quigglefrost" in _words_seen([suggestion])
    assert "zorbulating" not in _words_seen([suggestion])


def _paraphrase_pair():
    lead_institution = InstitutionFactory(country="DE")
    lead = MembershipFactory(institution=lead_institution).person
    expert = MembershipFactory(
        institution=InstitutionFactory(country="FR", description=""),
        person__bio="I build robot arms. Robot grasping with tactile sensing is my field.",
    ).person
    return lead, lead_institution, expert


def test_suggestion_quotes_closest_public_sentence_of_candidate():
    lead, lead_institution, expert = _paraphrase_pair()
    proposal = ProposalFactory(
        lead=lead,
        lead_institution=lead_institution,
        title="Open hardware",
        summary="We study dexterous manipulation using touch sensors. Budget is small.",
        stage=Stage.DEFINE,
        visibility=Visibility.OPEN_CALL,
    )
    top = matching.suggest_people(proposal=proposal, index=matching.build_index(), limit=5)
    card = next(s for s in top if s.person == expert)
    assert card.close_sentence == "Robot grasping with tactile sensing is my field."
    assert card.close_to == "We study dexterous manipulation using touch sensors."


@pytest.mark.parametrize(
    ("stage", "visibility"),
    [(Stage.DRAFT, Visibility.OPEN_CALL), (Stage.DEFINE, Visibility.CONFIDENTIAL)],
)
def test_index_never_holds_draft_or_confidential_text(stage, visibility):
    lead, lead_institution, expert = _paraphrase_pair()
    secret = ProposalFactory(
        lead=expert,
        lead_institution=expert.memberships.get().institution,
        title="Zanzibarian tactile gripper secret",
        summary="Zanzibarian tactile gripper secret plans.",
        stage=stage,
        visibility=visibility,
    )
    index = matching.build_index()
    assert secret.pk not in index.proposal_pos
    assert not any("Zanzibarian" in text for text in index.texts)
    secret_vector = matching_embedding.embed(
        [matching_index.summary_text(secret.title, secret.summary)]
    )[0]
    assert (index.text_embeddings @ secret_vector).max(initial=0.0) < 0.99
    # Another lead's explanation quotes only the expert's public bio.
    proposal = ProposalFactory(
        lead=lead,
        lead_institution=lead_institution,
        title="Touch sensors",
        summary="Dexterous manipulation using touch sensors.",
        stage=Stage.DEFINE,
        visibility=Visibility.OPEN_CALL,
    )
    top = matching.suggest_people(proposal=proposal, index=index, limit=5)
    card = next(s for s in top if s.person == expert)
    assert "Zanzibarian" not in card.close_sentence
    assert card.close_sentence in expert.bio
