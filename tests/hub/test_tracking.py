from __future__ import annotations

from hub.tracking import ALPHABET, PATTERN, new_code, normalize


def test_codes_look_like_knl_and_six_unambiguous_characters() -> None:
    codes = {new_code() for _ in range(2000)}
    # Random, not unique by construction: about 1 run in 400 draws a repeat among 2000
    # (31^6 codes); ingest skips codes already taken and the database refuses a repeat.
    assert len(codes) >= 1995
    for code in codes:
        assert PATTERN.match(code)
        assert not set(code[4:]) & set("01ILO")


def test_alphabet_has_no_look_alikes() -> None:
    assert not set(ALPHABET) & set("01ILO")
    assert len(set(ALPHABET)) == len(ALPHABET)


def test_residents_may_type_codes_loosely() -> None:
    assert normalize("knl-7q4m2p") == "KNL-7Q4M2P"
    assert normalize(" KNL 7Q4 M2P ") == "KNL-7Q4M2P"
    assert normalize("7q4m2p") == "KNL-7Q4M2P"
    assert normalize("KNL-7Q4M2") is None
    assert normalize("KNL-7Q4M2O") is None
