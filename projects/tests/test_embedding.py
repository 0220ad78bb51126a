"""The embedding model loads from its package alone and embeds to unit length."""

from __future__ import annotations

import socket
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings

from projects.matching import embedding


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("no network at run time")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    embedding._model.cache_clear()
    yield
    embedding._model.cache_clear()


def test_embed_loads_from_the_package_without_network(no_network):
    vectors = embedding.embed(["robot grasping with tactile sensing", ""])
    assert vectors.shape == (2, embedding.DIMENSIONS)
    assert np.linalg.norm(vectors[0]) == pytest.approx(1.0, abs=1e-5)
    assert not vectors[1].any()


def test_embed_relates_paraphrases_more_than_unrelated_texts():
    a, b, c = embedding.embed(
        [
            "robot grasping with tactile sensing",
            "dexterous manipulation using touch sensors",
            "medieval manuscripts and the history of printing",
        ]
    )
    assert a @ b > a @ c + 0.2


def test_sentences_split_on_stops_and_lines():
    assert embedding.sentences("One. Two? Three;\nfour\n\n") == ["One.", "Two?", "Three;", "four"]


def test_the_image_ships_the_notice_the_weights_licence_asks_for():
    root = Path(settings.BASE_DIR)
    notice = (root / "NOTICE").read_text()
    ignored = (root / ".dockerignore").read_text().split()

    assert "Llama 2 is licensed under the LLAMA 2 Community License" in notice
    assert f"wordllama {version('wordllama')}" in notice
    assert "NOTICE" not in ignored
