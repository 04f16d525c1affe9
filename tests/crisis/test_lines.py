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

COUNTRIES = ("US", "CA", "GB", "IE", "AU")  # the English card
WORLD = (  # every country of the sourced world table
    *COUNTRIES,
    *("NZ", "DE", "AT", "CH", "FR", "BE", "NL", "ES", "PT", "IT", "PL", "SE", "NO", "DK", "FI"),
    *("CZ", "GR", "TR", "UA", "RU", "IL", "IN", "ZA", "NG", "KE", "BR", "MX", "AR", "CL", "CO"),
    *("JP", "KR", "CN", "HK", "TW", "SG", "PH", "MY", "ID"),
)


def test_known_countries_are_the_44_of_the_world_table(lines: CrisisLines) -> None:
    assert set(lines.known_countries()) == set(WORLD)
    assert len(WORLD) == 44
    assert lines.known_countries()[:5] == COUNTRIES


@pytest.mark.parametrize("code", COUNTRIES)
def test_every_english_card_country_can_be_called_and_texted(lines: CrisisLines, code: str) -> None:
    country = lines.for_country(code)
    assert country.code == code
    assert country.callable_services()
    assert country.textable_services()
    assert country.emergency.call


@pytest.mark.parametrize("code", [code for code in WORLD if code != "TR"])
def test_every_country_but_one_has_a_line_to_call_or_a_website_and_an_emergency_number(
    lines: CrisisLines, code: str
) -> None:
    country = lines.for_country(code)
    assert country.services[0].call or country.services[0].web
    assert country.emergency.call


def test_turkey_without_a_national_line_points_to_the_directory(lines: CrisisLines) -> None:
    turkey = lines.for_country("TR")
    assert [service.web for service in turkey.services] == ["findahelpline.com"]
    assert turkey.emergency.call == "112"


@pytest.mark.parametrize(
    ("code", "call", "emergency"),
    [
        ("DE", "0800 111 0 111", "112"),
        ("AT", "142", "112"),
        ("CH", "143", "144"),
        ("FR", "3114", "112"),
        ("BE", "1813", "112"),
        ("NL", "113", "112"),
        ("ES", "024", "112"),
        ("PT", "1411", "112"),
        ("IT", "02 2327 2327", "112"),
        ("BR", "188", "192"),
        ("MX", "800 911 2000", "911"),
        ("AR", "0800-999-0091", "911"),
        ("CL", "*4141", "133"),
        ("CO", "106", "123"),
        ("NZ", "1737", "111"),
        ("KR", "109", "119"),
    ],
)
def test_world_numbers_match_the_sourced_table(
    lines: CrisisLines, code: str, call: str, emergency: str
) -> None:
    country = lines.for_country(code)
    assert call in {service.call for service in country.services}
    assert country.emergency.call == emergency


@pytest.mark.parametrize(
    ("language", "countries"),
    [
        ("en", ("US", "CA", "GB", "IE", "AU")),
        ("es", ("ES", "MX", "AR", "CO", "CL", "US")),
        ("pt", ("BR", "PT")),
        ("fr", ("FR", "BE", "CA", "CH")),
        ("de", ("DE", "AT", "CH")),
        ("it", ("IT", "CH")),
        ("nl", ("NL", "BE")),
        ("sv", ("US", "CA", "GB", "IE", "AU")),
        (None, ("US", "CA", "GB", "IE", "AU")),
    ],
)
def test_unknown_country_card_lists_the_languages_countries(
    lines: CrisisLines, language: str | None, countries: tuple[str, ...]
) -> None:
    card = lines.for_country(None, language=language)
    assert card.is_international
    assert tuple(other.code for other in card.other_countries) == countries


def test_doubtful_entries_carry_a_website_to_confirm(lines: CrisisLines) -> None:
    doubtful = [
        service
        for code in WORLD
        for service in lines.for_country(code).services
        if service.status == "?"
    ]
    assert len(doubtful) >= 8
    assert all(service.web for service in doubtful)


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
    for code in (*WORLD, None):
        for service in lines.for_country(code).services:
            if service.status in ("S", "?"):
                assert service.web, f"{code} {service.name}"


@pytest.mark.parametrize("code", ["us", " gb ", "Ie"])
def test_lookup_ignores_case_and_spaces(lines: CrisisLines, code: str) -> None:
    assert lines.for_country(code).code == code.strip().upper()


@pytest.mark.parametrize("code", [None, "", "PE", "XX", "international", "zz"])
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


_BROKEN: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "missing_name": (lambda d: d["countries"]["US"]["services"][0].pop("name"), "name"),
    "missing_verified": (lambda d: d["countries"]["CA"]["emergency"].pop("verified"), "verified"),
    "missing_international": (lambda d: d.pop("international"), "international"),
    "bad_status": (lambda d: d["countries"]["AU"]["services"][0].update(status="B"), "status"),
    "bad_date": (lambda d: d["countries"]["IE"]["services"][0].update(verified="soon"), "date"),
    "secondary_without_web": (
        lambda d: d["countries"]["IE"]["services"][1].pop("web"),
        "status S needs web",
    ),
    "doubtful_without_web": (
        lambda d: d["countries"]["IE"]["services"][0].pop("web"),
        "status ? needs web",
    ),
    "notes_without_english": (
        lambda d: d["countries"]["DE"]["services"][0].update(notes={"de": "Kostenlos."}),
        "'en' entry",
    ),
    "card_of_unknown_country": (
        lambda d: d["language_cards"].update(fr=["FR", "QQ"]),
        "no lines for QQ",
    ),
    "no_services": (lambda d: d["countries"]["NZ"].update(services=[]), "services"),
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
