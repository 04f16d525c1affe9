"""Render docs/img/moderator-alert.png: the real alert for an invented case, drawn as Telegram
shows a bot's message with its buttons in the moderators' group.

The text and the button rows come from the bot itself (the crisis gate reads the invented
message; :func:`bot.moderation.texts.alert` writes the alert; :func:`keyboard_for` lays out the
buttons), so the picture shows what moderators really get. Regenerate after changing them:

    pip install -e '.[docs]' && python docs/img/render_alert.py

Colour emoji need the Noto Color Emoji font (Debian: fonts-noto-color-emoji).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.app import build_core  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.model import Inbound, InboundKind, Reply  # noqa: E402
from bot.moderation import texts  # noqa: E402
from bot.moderation.models import Case, CaseStatus  # noqa: E402
from bot.telegram.outgoing import keyboard_for  # noqa: E402

OUTPUT = ROOT / "docs" / "img" / "moderator-alert.png"
#: An invented message; the person, the chat and the case are invented too.
MESSAGE = "i have all the pills lined up and i am going to take them tonight"
OPENED = 1_764_943_500.0  # 2025-12-05 14:05 UTC
CASE_ID = 17
REASON = "NEW CASE: the crisis gate fired."

SCALE = 2
WIDTH = 560
FONTS = Path("/usr/share/fonts/truetype")
REGULAR = FONTS / "dejavu" / "DejaVuSans.ttf"
BOLD = FONTS / "dejavu" / "DejaVuSans-Bold.ttf"
EMOJI = FONTS / "noto" / "NotoColorEmoji.ttf"
BACKGROUND = (169, 196, 214)
BUBBLE = (255, 255, 255)
SENDER = (58, 141, 222)
TEXT = (20, 20, 20)
MUTED = (140, 150, 160)
BUTTON = (110, 140, 160)


def example_alert() -> Reply:
    """The alert the moderators' group gets when the invented message opens case 17."""
    core = build_core(load_config(ROOT / "config.example.yaml"), handoff_available=True)
    inbound = Inbound("tg:example", InboundKind.TEXT, text=MESSAGE, received_at=OPENED)
    outcome = core.process(None, inbound)
    case = Case(
        id=CASE_ID,
        conversation_id="tg:example",
        chat_id="5550001",
        risk=outcome.risk,
        category=outcome.category,
        rule=outcome.rule,
        status=CaseStatus.OPEN,
        human_requested=False,
        claimed_by=None,
        opened_at=OPENED,
        updated_at=OPENED,
        resolved_at=None,
        resolved_by=None,
        resolution=None,
        alert_count=0,
    )
    return texts.alert(case, reason=REASON, excerpt=MESSAGE, now=OPENED + 60)


def is_emoji(char: str) -> bool:
    return ord(char) >= 0x1F000 or char in "⬆⏰"


def width_of(text: str, font: Any) -> float:
    return sum(font.size * 1.15 if is_emoji(c) else font.getlength(c) for c in text)


def wrap(text: str, font: Any, limit: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            trial = f"{line} {word}" if line else word
            if line and width_of(trial, font) > limit:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return lines


def render(reply: Reply, output: Path = OUTPUT) -> None:
    """Draw ``reply`` as a Telegram message with its inline keyboard into ``output``."""
    from PIL import Image, ImageDraw, ImageFont

    s = SCALE
    regular = ImageFont.truetype(str(REGULAR), 15 * s)
    bold = ImageFont.truetype(str(BOLD), 15 * s)
    small = ImageFont.truetype(str(REGULAR), 12 * s)
    emoji = ImageFont.truetype(str(EMOJI), 109) if EMOJI.exists() else None

    pad, bubble_x, bubble_w = 14 * s, 16 * s, (WIDTH - 60) * s
    line_h = 21 * s
    keyboard = keyboard_for(reply.buttons)
    rows = [[key.text for key in row] for row in keyboard.inline_keyboard] if keyboard else []
    lines = wrap(reply.text, regular, bubble_w - 2 * pad)
    header_h = 56 * s
    bubble_h = pad + line_h + 4 * s + len(lines) * line_h + 22 * s
    button_h, gap = 38 * s, 6 * s
    height = header_h + 16 * s + bubble_h + gap + len(rows) * (button_h + gap) + 16 * s

    image = Image.new("RGB", (WIDTH * s, height), BACKGROUND)
    draw = ImageDraw.Draw(image, "RGBA")
    draw.rectangle((0, 0, WIDTH * s, header_h), fill=(255, 255, 255))
    draw.text((20 * s, 10 * s), "Moderators (example group)", font=bold, fill=TEXT)
    draw.text((20 * s, 32 * s), "3 members", font=small, fill=MUTED)

    def put(
        x: float, y: float, text: str, font: ImageFont.FreeTypeFont, fill: tuple[int, ...]
    ) -> None:
        for char in text:
            if is_emoji(char) and emoji is not None:
                glyph = Image.new("RGBA", (136, 128), (0, 0, 0, 0))
                ImageDraw.Draw(glyph).text((0, 0), char, font=emoji, embedded_color=True)
                size = int(font.size * 1.1)
                glyph = glyph.resize((int(size * 136 / 128), size), Image.Resampling.LANCZOS)
                image.paste(glyph, (int(x), int(y + font.size * 0.05)), glyph)
                x += font.size * 1.15
            else:
                draw.text((x, y), char, font=font, fill=fill)
                x += font.getlength(char)

    top = header_h + 16 * s
    draw.rounded_rectangle(
        (bubble_x, top, bubble_x + bubble_w, top + bubble_h), radius=14 * s, fill=BUBBLE
    )
    put(bubble_x + pad, top + pad, "crisisbot", bold, SENDER)
    y = top + pad + line_h + 4 * s
    for line in lines:
        put(bubble_x + pad, y, line, regular, TEXT)
        y += line_h
    stamp = texts.when(OPENED + 60)[11:16]
    draw.text(
        (bubble_x + bubble_w - pad - small.getlength(stamp), top + bubble_h - 20 * s),
        stamp,
        font=small,
        fill=MUTED,
    )
    _draw_keyboard(draw, rows, left=bubble_x, top=top + bubble_h + gap, width=bubble_w, font=bold)
    image.save(output, optimize=True)


def _draw_keyboard(
    draw: Any, rows: list[list[str]], *, left: float, top: float, width: float, font: Any
) -> None:
    """Telegram's inline keyboard: rounded, translucent buttons under the message."""
    s = SCALE
    button_h, gap = 38 * s, 6 * s
    y = top
    for row in rows:
        cell = (width - gap * (len(row) - 1)) / len(row)
        for index, label in enumerate(row):
            x0 = left + index * (cell + gap)
            draw.rounded_rectangle(
                (x0, y, x0 + cell, y + button_h), radius=10 * s, fill=(*BUTTON, 230)
            )
            draw.text(
                (x0 + (cell - font.getlength(label)) / 2, y + (button_h - font.size) / 2 - 2 * s),
                label,
                font=font,
                fill=(255, 255, 255),
            )
        y += button_h + gap


def main() -> None:
    reply = example_alert()
    render(reply)
    print(reply.text)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
