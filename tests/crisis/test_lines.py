"""The crisis-lines file: what it holds, how it is looked up, and how a bad file is reported."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.crisis import DEFAULT_LINES_PATH, CrisisLines, load_crisis_lines
from bot.errors import ConfigError

WriteYaml = Callable[[dict[str, Any]], Path]

COUNTRIES = ("US", "CA", "GB", "IE", "AU")


def test_known_countries_are_the_five_in_file_order(lines: CrisisLines) -> None:
    assert lines.known_countries() == COUNTRIES


@pytest.mark.parametrize("code", COUNTRIES)
def test_every_country_can_be_called_and_texted_and_has_an_emergency_number(
    lines: CrisisLines, code: str
) -> None:
    country = lines.for_country(code)
    assert country.code == code
    assert country.callable_services()
    assert country.textable_services()
    assert country.emergency.call


@pytest.mark.parametrize(
    ("code", "call", "text", "emergency"),
    [
        ("US", "988", "741741", "911"),
        ("CA", "988", "686868", "911"),
        ("GB", "116 123", "85258", "999"),
        ("IE", "116 123", "50808", "112"),
        ("AU", "13 11 14", "0477 13 11 14", "000"),
    ],
)
def test_numbers_match_the_checked_sheet(
    lines: CrisisLines, code: str, call: str, text: str, emergency: str
) -> None:
    country = lines.for_country(code)
    assert call in {service.call for service in country.services}
    assert text in {service.text for service in country.services}
    assert country.emergency.call == emergency


def test_the_ended_988_press_3_option_is_not_listed() -> None:
    data_lines = [
        line for line in DEFAULT_LINES_PATH.read_text().splitlines() if not line.startswith("#")
    ]
    assert not any("press 3" in line.lower() for line in data_lines)


def test_every_secondary_source_entry_carries_a_website(lines: CrisisLines) -> None:
    for code in (*COUNTRIES, None):
        for service in lines.for_country(code).services:
            if service.status == "S":
                assert service.web, f"{code} {service.name}"


@pytest.mark.parametrize("code", ["us", " gb ", "Ie"])
def test_lookup_ignores_case_and_spaces(lines: CrisisLines, code: str) -> None:
    assert lines.for_country(code).code == code.strip().upper()


@pytest.mark.parametrize("code", [None, "", "FR", "XX", "international", "zz"])
def test_unknown_country_gets_the_international_card_with_every_known_country(
    lines: CrisisLines, code: str | None
) -> None:
    card = lines.for_country(code)
    assert card.is_international
    assert card.emergency.call == "112"
    assert any(service.web == "findahelpline.com" for service in card.services)
    assert tuple(other.code for other in card.other_countries) == COUNTRIES


def test_a_known_country_card_lists_no_other_countries(lines: CrisisLines) -> None:
    assert lines.for_country("GB").other_countries == ()


# --- a bad file is a ConfigError naming the file -------------------------------------------------


def _drop_text_services(data: dict[str, Any]) -> None:
    for service in data["countries"]["GB"]["services"]:
        service.pop("text", None)
        service.pop("text_keyword", None)


_BROKEN: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "missing_name": (lambda d: d["countries"]["US"]["services"][0].pop("name"), "name"),
    "missing_verified": (lambda d: d["countries"]["CA"]["emergency"].pop("verified"), "verified"),
    "missing_international": (lambda d: d.pop("international"), "international"),
    "bad_status": (lambda d: d["countries"]["AU"]["services"][0].update(status="B"), "status"),
    "bad_date": (lambda d: d["countries"]["IE"]["services"][0].update(verified="soon"), "date"),
    "secondary_without_web": (
        lambda d: d["countries"]["IE"]["services"][0].pop("web"),
        "status S needs web",
    ),
    "no_text_service": (_drop_text_services, "one with text"),
    "unknown_key": (lambda d: d["countries"]["US"].update(phone="1"), "phone"),
    "lowercase_code": (
        lambda d: d["countries"].update(nz=copy.deepcopy(d["countries"]["AU"])),
        "nz",
    ),
    "letters_in_number": (lambda d: d["countries"]["GB"]["emergency"].update(call="nine"), "call"),
    "keyword_without_number": (
        lambda d: d["countries"]["GB"]["services"][0].update(text_keyword="HI"),
        "text_keyword",
    ),
    "derived_key": (lambda d: d["countries"]["US"].update(code="US"), "filled in by the loader"),
}


@pytest.mark.parametrize("case", sorted(_BROKEN))
def test_invalid_entry_raises_config_error_naming_file_and_problem(
    write_yaml: WriteYaml, lines_data: dict[str, Any], case: str
) -> None:
    mutate, expected = _BROKEN[case]
    mutate(lines_data)
    path = write_yaml(lines_data)
    with pytest.raises(ConfigError) as caught:
        load_crisis_lines(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("countries: [unclosed\n", ":2:1: invalid YAML"),
        ("countries:\n  US: {}\ncountries:\n  CA: {}\n", "duplicate key 'countries'"),
        ("a: &x {k: 1}\nb: *x\n", "aliases"),
        ("- just\n- a list\n", "expected a mapping"),
        ("\tcountries: {}\n", "invalid YAML"),
    ],
)
def test_unreadable_yaml_raises_config_error_naming_file(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "lines.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_crisis_lines(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_missing_file_raises_config_error_naming_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(ConfigError, match="cannot read the file") as caught:
        load_crisis_lines(path)
    assert str(path) in str(caught.value)


def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("# padding\n" * 40_000, encoding="utf-8")
    with pytest.raises(ConfigError, match="more than the 262144 allowed"):
        load_crisis_lines(path)


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("countries: {caf\xe9: 1}\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="UTF-8"):
        load_crisis_lines(path)
