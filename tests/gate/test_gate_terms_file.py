"""A malformed crisis terms file is refused with its file, line and column and what to write."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.errors import ModelError
from bot.gate.terms import CrisisTerms

GOOD_RULE = """\
  - id: explicit.terms
    category: explicit
    risk: high
    languages:
      ru: ["хочу умереть"]
"""


def _rule(*lines: str) -> str:
    """A second rule, ``passive.more``, with ``lines`` under its id."""
    return "  - id: passive.more\n" + "".join(f"    {line}\n" for line in lines)


def _load(tmp_path: Path, rules: str) -> CrisisTerms:
    path = tmp_path / "terms.yaml"
    path.write_text(f"version: 1\nrules:\n{GOOD_RULE}{rules}", encoding="utf-8")
    return CrisisTerms.load(path)


def _refused(tmp_path: Path, rules: str, *wanted: str) -> str:
    with pytest.raises(ModelError) as caught:
        _load(tmp_path, rules)
    message = str(caught.value)
    for fragment in wanted:
        assert fragment in message
    return message


def test_a_well_formed_file_loads_and_finds_its_terms(tmp_path: Path) -> None:
    terms = _load(tmp_path, "")
    found = terms.find("я хочу умереть")
    assert found is not None
    assert found.id == "explicit.terms"


def test_a_misspelt_key_names_its_line_and_the_keys_a_rule_has(tmp_path: Path) -> None:
    rules = _rule("category: passive", "risk: concern", "languagse:", "  ru: [x]")
    message = _refused(tmp_path, rules, "unknown key 'languagse'", "id 'passive.more'", "languages")
    assert re.search(r"terms\.yaml:11:5: ", message)


def test_an_unknown_risk_names_its_line_and_the_known_risks(tmp_path: Path) -> None:
    rules = _rule("category: passive", "risk: severe", "languages:", "  ru: [x]")
    message = _refused(tmp_path, rules, "risk 'severe'", "imminent", "concern")
    assert re.search(r"terms\.yaml:10:5: ", message)


def test_terms_that_are_not_a_list_of_strings_name_the_language(tmp_path: Path) -> None:
    rules = _rule("category: passive", "risk: concern", "languages:", "  ru: хочу")
    message = _refused(tmp_path, rules, "ru must be a list of quoted terms")
    assert re.search(r"terms\.yaml:12:7: ", message)


def test_a_rule_without_a_category_says_what_a_rule_has(tmp_path: Path) -> None:
    rules = _rule("risk: concern", "languages:", "  ru: [x]")
    _refused(tmp_path, rules, "rules[1]", "category is missing", "id, category, risk, languages")


def test_an_entry_that_is_not_a_mapping_is_refused_with_its_place(tmp_path: Path) -> None:
    message = _refused(tmp_path, "  - just a line\n", "rules[1]", "mapping")
    assert re.search(r"terms\.yaml:8:5: ", message)
