"""claim(): strict in the book build and nbval, a printed note in a reader's run."""

import pytest

from vae_core.claims import ClaimFailed, claim


def test_a_true_claim_passes_silently(capsys, monkeypatch):
    monkeypatch.setenv("VAE_BOOK_STRICT", "1")
    assert claim(1 < 2, "one is less than two") is True
    assert capsys.readouterr().out == ""


def test_a_false_claim_raises_in_strict_mode(monkeypatch):
    monkeypatch.setenv("VAE_BOOK_STRICT", "1")
    with pytest.raises(ClaimFailed, match="the KL is below 3 nats"):
        claim(False, "the KL is below 3 nats")


def test_a_false_claim_prints_a_note_for_a_reader(capsys, monkeypatch):
    monkeypatch.delenv("VAE_BOOK_STRICT", raising=False)
    assert claim(False, "the KL is below 3 nats") is False
    out = capsys.readouterr().out
    assert "the KL is below 3 nats" in out and "changed a setting" in out


def test_strict_zero_means_off(monkeypatch):
    monkeypatch.setenv("VAE_BOOK_STRICT", "0")
    assert claim(False, "x") is False


def test_the_sentence_is_required():
    with pytest.raises(TypeError, match="sentence"):
        claim(True, "")
