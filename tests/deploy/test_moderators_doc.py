"""docs/moderators.md shows the alert the bot writes and explains every button and command."""

from __future__ import annotations

import importlib.util
import re
from types import ModuleType

from bot.moderation.commands import ACTIONS
from bot.moderation.texts import alert_buttons
from tests.deploy.files import ROOT

DOC = ROOT / "docs" / "moderators.md"


def renderer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("render_alert", ROOT / "docs/img/render_alert.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_alert_shown_is_the_text_the_bot_writes() -> None:
    reply = renderer().example_alert()
    blocks = re.findall(r"```text\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert reply.text + "\n" in blocks


def test_the_alert_picture_is_a_png_the_doc_links() -> None:
    text = DOC.read_text(encoding="utf-8")
    [link] = re.findall(r"\]\((img/[^)]+\.png)\)", text)
    assert (DOC.parent / link).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_button_and_command_is_explained() -> None:
    text = DOC.read_text(encoding="utf-8")
    for button in alert_buttons(1):
        assert f"| **{button.label}** |" in text
    for action in ACTIONS:
        assert re.search(rf"^\| `/{action}( [^`]*)?` \|", text, flags=re.MULTILINE), action
