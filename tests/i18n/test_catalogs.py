"""Every language's catalog: complete, safe-messaging wording, and a bad catalog is refused."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import write_po

from bot.core.replies import CrisisReplies
from bot.crisis import load_crisis_lines
from bot.crisis.wording import default_wording
from bot.errors import ConfigError
from bot.i18n import DEFAULT_LOCALES_DIR, load_languages
from bot.i18n.catalogs import default_languages, read_catalog, source_texts, template
from bot.model import Risk
from tests.crisis.invented import CONTACTS

LANGUAGES = ("en", "de", "es", "fr", "it", "nl", "pt")
# Per language: "committed suicide" and its equivalents, method and medicine words, promises of
# secrecy, claims to be human. None may appear in a crisis reply (the lines' own notes aside).
BANNED = {
    "en": [r"commit(s|ted|ting)? suicide", r"successful", r"\bsecret", r"\bi'?m (a )?human"],
    "de": [r"selbstmord", r"freitod", r"begeh", r"geheim", r"ich bin ein mensch"],
    "es": [r"comet(er|ió|ido) (el |un )?suicidio", r"secreto", r"soy (un )?humano"],
    "fr": [r"commett(re|ait)", r"commis", r"secret", r"je suis (un )?humain"],
    "it": [r"commett(ere|ono)", r"suicidarsi", r"segreto", r"sono (un )?umano"],
    "nl": [r"zelfmoord (ge)?pleg", r"geheim", r"ik ben een mens\b"],
    "pt": [r"comet(er|eu|ido) (o )?suicídio", r"segredo", r"sou (um )?humano"],
}
ANY_LANGUAGE = [
    r"ketamin",
    r"esketamin",
    r"spravato",
    r"\bmg\b",
    r"overdos",
    r"sobredosis",
    r"überdosis",
    r"medicament|medikament|medicijn|farmac|médicament",
    r"tratamiento|behandlung|traitement|trattamento|tratamento|behandeling|treatment",
    r"\bdos(e|is|i|es|ering)\b",
]
AUTOMATED = {
    "en": "automated assistant",
    "de": "automatischer Assistent",
    "es": "asistente automático",
    "fr": "assistant automatique",
    "it": "assistente automatico",
    "nl": "automatische assistent",
    "pt": "assistente automático",
}
CATEGORIES = ("explicit", "passive", "self_harm", "means", "third_party", "mention")


@pytest.fixture(scope="module")
def replies() -> CrisisReplies:
    return CrisisReplies(load_crisis_lines(), CONTACTS)


def test_the_seven_languages_are_enabled_and_no_text_is_missing() -> None:
    languages = default_languages()
    assert set(languages.enabled()) == set(LANGUAGES)
    assert languages.problems() == ([], [])


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_every_catalog_translates_the_check_in_question_and_buttons(language: str) -> None:
    path = DEFAULT_LOCALES_DIR / language / "LC_MESSAGES" / "crisisbot.po"
    catalog = read_catalog(path)
    for key in ("question", "lines_intro", "buttons.yes", "buttons.not_sure", "buttons.no"):
        message = next(m for m in catalog if m.context == f"check_in.{key}")
        assert message.string
        assert not message.fuzzy
    question = next(m for m in catalog if m.context == "check_in.question").string
    assert isinstance(question, str)
    assert question.count("?") == 1


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("risk", list(Risk))
@pytest.mark.parametrize("category", CATEGORIES)
def test_crisis_reply_follows_safe_messaging_in_every_language(
    replies: CrisisReplies, language: str, risk: Risk, category: str
) -> None:
    for country in ("DE", None):
        for repeat in range(4):
            reply = replies.crisis(
                risk=risk, category=category, country=country, repeat=repeat, language=language
            )
            text = reply.full_text()
            assert AUTOMATED[language] in text
            assert text.count("?") == (1 if repeat % 2 == 0 else 0)
            assert not any(mark in reply.text for mark in ("_", "`", "<", ">", "["))
            assert not re.search(r"\*(?!\d)", reply.text), "a star only in a number (*4141)"
            assert len(reply.text) < 4096
            found = [
                pattern
                for pattern in [*BANNED[language], *ANY_LANGUAGE]
                if re.search(pattern, text.lower())
            ]
            assert not found, (country, repeat)


@pytest.mark.parametrize("language", LANGUAGES)
def test_advice_reply_states_no_number_and_asks_nothing_in_every_language(
    replies: CrisisReplies, language: str
) -> None:
    for reason in default_wording().advice.reasons:
        text = replies.medical_advice(
            reason=reason, topic_label=None, topic_action=None, language=language
        ).text
        assert not re.search(r"\d", text), "the advice reply states no number, so no dose"
        assert "?" not in text


def test_a_german_crisis_reply_for_germany_is_german_with_telefonseelsorge(
    replies: CrisisReplies,
) -> None:
    text = replies.crisis(
        risk=Risk.HIGH, category="passive", country="DE", repeat=0, language="de"
    ).text
    assert "TelefonSeelsorge" in text
    assert "0800 111 0 111" in text
    assert "Krisentelefone (Deutschland)" in text
    assert "automatischer Assistent" in text
    assert "988" not in text


def test_spanish_without_a_country_gets_the_spanish_card(replies: CrisisReplies) -> None:
    text = replies.crisis(
        risk=Risk.CONCERN, category="passive", country=None, repeat=0, language="es"
    ).text
    for number in ("024", "800 911 2000", "0800-999-0091", "*4141", "106", "988"):
        assert number in text
    assert "AYUDA" in text  # the US line in Spanish
    assert "findahelpline.com" in text
    assert "No sé en qué país estás" in text


def test_an_unknown_language_gets_english(replies: CrisisReplies) -> None:
    text = replies.crisis_lines_only(country="GB", language="sv").text
    assert "automated assistant" in text


# --- an operator's catalog ------------------------------------------------------------------------


def _operator_catalog(tmp_path: Path, language: str, drop: str | None) -> Path:
    source = DEFAULT_LOCALES_DIR / "de" / "LC_MESSAGES" / "crisisbot.po"
    catalog = read_catalog(source)
    if drop is not None:
        for message in list(catalog):
            if message.context and message.context.startswith(drop):
                message.string = ""
    target = tmp_path / "locales" / language / "LC_MESSAGES" / "crisisbot.po"
    target.parent.mkdir(parents=True)
    with target.open("wb") as handle:
        write_po(handle, catalog)
    return tmp_path / "locales"


def test_an_operator_catalog_adds_a_language(tmp_path: Path) -> None:
    languages = load_languages(extra_dirs=[_operator_catalog(tmp_path, "gsw", None)])
    assert "gsw" in languages.enabled()
    assert languages.problems() == ([], [])


def test_a_catalog_missing_the_crisis_reply_is_an_error(tmp_path: Path) -> None:
    folder = _operator_catalog(tmp_path, "gsw", drop="crisis.openings")
    errors, _ = load_languages(extra_dirs=[folder]).problems()
    assert errors
    assert all("safety text crisis.openings" in error for error in errors)
    assert str(folder / "gsw" / "LC_MESSAGES" / "crisisbot.po") in errors[0]


def test_a_catalog_missing_a_general_text_is_a_warning(tmp_path: Path) -> None:
    folder = _operator_catalog(tmp_path, "gsw", drop="general.")
    errors, warnings = load_languages(extra_dirs=[folder]).problems()
    assert errors == []
    assert len(warnings) == 4


@pytest.mark.parametrize(
    ("context", "translation", "expected"),
    [
        ("crisis.closings.0", "Bist du noch da?", "may ask a question"),
        ("crisis.notices.0", "Ich bin *kein* Mensch.", "plain text only"),
        ("crisis.urgent.person", "Ruf {nummer} an.", "placeholder"),
    ],
)
def test_an_unsafe_translation_is_refused_naming_the_catalog(
    tmp_path: Path, context: str, translation: str, expected: str
) -> None:
    folder = _operator_catalog(tmp_path, "gsw", None)
    path = folder / "gsw" / "LC_MESSAGES" / "crisisbot.po"
    catalog = read_catalog(path)
    next(m for m in catalog if m.context == context).string = translation
    with path.open("wb") as handle:
        write_po(handle, catalog)
    with pytest.raises(ConfigError) as caught:
        load_languages(extra_dirs=[folder])
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


@pytest.mark.parametrize("content", [b"\x00\x01\x02 not a catalog", b"\xff\xfe"])
def test_a_broken_catalog_file_is_a_config_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "xx" / "LC_MESSAGES" / "crisisbot.po"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        load_languages(extra_dirs=[tmp_path])
    assert str(path) in str(caught.value)


def test_the_template_holds_every_text_with_its_place() -> None:
    catalog = template()
    contexts = {message.context for message in catalog if message.id}
    assert contexts == {where for where, _ in source_texts(default_wording())}


def test_the_catalogs_folder_layout_is_the_gettext_one(tmp_path: Path) -> None:
    copy = tmp_path / "locales"
    shutil.copytree(DEFAULT_LOCALES_DIR, copy)
    assert sorted(p.parent.parent.name for p in copy.glob("*/LC_MESSAGES/crisisbot.po")) == sorted(
        LANGUAGES[1:]
    )


# --- `crisisbot check`, through the real process -------------------------------------------------


def _config_with_catalogs(tmp_path: Path, folder: Path) -> Path:
    from tests.auxil.cli_runs import ROOT

    config = tmp_path / "config.yaml"
    config.write_text(
        f"flows_dir: {ROOT / 'flows'}\nentry_flow: ketamine\ncrisis:\n  catalogs_dir: {folder}\n",
        encoding="utf-8",
    )
    return config


def test_check_fails_on_an_operator_catalog_missing_the_crisis_reply(tmp_path: Path) -> None:
    from tests.auxil.cli_runs import crisisbot

    folder = _operator_catalog(tmp_path, "gsw", drop="crisis.openings.self.")
    result = crisisbot("check", "--config", str(_config_with_catalogs(tmp_path, folder)))
    assert result.returncode == 1
    catalog = folder / "gsw" / "LC_MESSAGES" / "crisisbot.po"
    assert f"{catalog}: error: no translation of the safety text crisis.openings.self." in (
        result.stdout
    )


def test_check_warns_only_on_a_missing_general_text(tmp_path: Path) -> None:
    from tests.auxil.cli_runs import crisisbot

    folder = _operator_catalog(tmp_path, "gsw", drop="general.welcome")
    config = _config_with_catalogs(tmp_path, folder)
    result = crisisbot("check", "--config", str(config))
    assert "warning: no translation of general.welcome" in result.stdout
    assert ": error:" not in result.stdout
    strict = crisisbot("check", "--config", str(config), "--fail-on-warnings")
    assert strict.returncode == 1


# --- which language -------------------------------------------------------------------------------


def test_language_order_is_choice_then_messages_then_app_then_english() -> None:
    from bot.i18n import choose_language

    enabled = LANGUAGES

    def pick(chosen: str | None, detected: str | None, code: str | None) -> str:
        return choose_language(
            chosen=chosen, detected=detected, language_code=code, enabled=enabled
        )

    assert pick("fr", "de", "es-MX") == "fr"
    assert pick(None, "de", "es-MX") == "de"
    assert pick(None, None, "es-MX") == "es"
    assert pick(None, None, "sv-SE") == "en"
    assert pick("sv", None, None) == "en"
    assert pick(None, None, None) == "en"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ok", None),  # too short
        ("ja", None),
        ("", None),
        ("\x00" * 40, None),
        ("ich weiß wirklich nicht mehr weiter mit allem", "de"),
        ("no sé qué hacer con todo esto, estoy agotada", "es"),
        ("je ne sais plus quoi faire de tout cela", "fr"),
        ("12345 67890 12345 67890 12345 67890", None),  # no language at all
        ("I WANT TO KILL \x7f\x7f༞ MYSELF", "en"),  # shouted, with junk: still English
        ("ICH WILL NICHT MEHR LEBEN, GAR NICHT", "de"),
    ],
)
def test_identification_needs_a_long_confident_message(text: str, expected: str | None) -> None:
    from bot.i18n.choice import identify

    assert identify(text, LANGUAGES) == expected


def test_the_committed_template_is_current() -> None:
    committed = read_catalog(DEFAULT_LOCALES_DIR / "crisisbot.pot")
    current = template()
    pairs = {(m.context, m.id) for m in committed if m.id}
    assert pairs == {(m.context, m.id) for m in current if m.id}, (
        "run: crisisbot catalog-template -o bot/i18n/locales/crisisbot.pot"
    )


def test_the_template_command_prints_the_template() -> None:
    from tests.auxil.cli_runs import crisisbot

    result = crisisbot("catalog-template")
    assert result.returncode == 0
    assert 'msgctxt "crisis.notices.0"' in result.stdout
    assert "safety text: must be translated" in result.stdout


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_in_any_language_states_a_dose_or_schedule(language: str) -> None:
    from tests.content.wording import DOSE, SCHEDULE

    wording = default_languages().wording(language)
    for where, text in source_texts(wording):
        assert not DOSE.search(text), (language, where)
        assert not SCHEDULE.search(text), (language, where)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_asks_at_most_one_question(language: str) -> None:
    wording = default_languages().wording(language)
    for where, text in source_texts(wording):
        assert text.count("?") <= 1, (language, where)


@pytest.mark.parametrize("text", ["word " * 3000, "ja ja ja ja ja ja ja ja ja", "hola " * 20])
def test_a_repeated_word_says_nothing_about_the_language(text: str) -> None:
    from bot.i18n.choice import identify

    assert identify(text, LANGUAGES) is None
