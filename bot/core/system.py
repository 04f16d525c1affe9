"""Fixed replies of the system commands: /privacy, /forget, /stop, /country and /human.

None of them carries treatment content; while a person is in crisis mode the core adds the crisis
lines to each of them.
"""

from __future__ import annotations

from bot.core.models import Button, Reply

SYSTEM_PREFIX = "sys:"
HUMAN = "sys:human"
COUNTRY = "sys:country"
MENU = "sys:menu"
FORGET_YES = "sys:forget:yes"
FORGET_NO = "sys:forget:no"
SYSTEM_COMMANDS = frozenset({"crisis", "country", "human", "privacy", "forget", "stop"})

PRIVACY = (
    "What this bot keeps: where you are in the conversation, the country you chose for crisis "
    "lines, and short-lived risk signals used to keep you safe. If the bot alerts the team "
    "because you may be at risk, a team member can read a short excerpt of recent messages. "
    "Message text is not written to logs. You can delete your data at any time with /forget. "
    "docs/privacy.md in the project describes this in full."
)
FORGET_ASK = (
    "Do you want me to delete your conversation data? This cannot be undone. "
    "(A case the team opened to keep you safe stays, without your messages.)"
)
FORGET_DONE = "Your conversation data is deleted. If you write again, we start fresh."
FORGET_KEPT = "Nothing was deleted."
STOP = (
    "Okay. I won't send you anything unless you write to me again. Your data stays until you use "
    "/forget."
)
HUMAN_ACK = (
    "I've asked a person from the team to join this chat. They are people, not clinicians, and "
    "they reply when they are available. If you might be in danger before then, please use one of "
    "the lines below now."
)
HUMAN_UNAVAILABLE = (
    "There is no team member connected to this bot right now. The lines below are answered by "
    "trained people at any hour."
)
COUNTRY_ASK = "Which country are you in? I'll show the crisis lines that work there."
COUNTRY_SET = "Got it: I'll show crisis lines for {name}."
COUNTRY_UNKNOWN = (
    "I don't have checked crisis lines for {code} yet, so I'll show the international directory "
    "instead. Pick one of these if it fits:"
)
GROUP_NOTICE = (
    "I only talk one to one, so I don't answer questions in a group. "
    "Please send me a private message instead.\n\n"
    "If you or someone with you is in danger now, call your local emergency number "
    "(112 works from mobiles in many countries), or find a crisis line at findahelpline.com."
)
GROUP_CRISIS = (
    "I'm an automated assistant, and what was just written here worries me. If you, or someone "
    "you're with, might be in danger, please reach one of these lines now. You can also message "
    "me privately."
)
TOO_LONG = (
    "That message is very long, so I can't match it to a topic. Could you ask one question at a "
    "time? Pick a topic below if that is easier."
)


def country_picker(names: dict[str, str], prefix: str = COUNTRY_ASK) -> Reply:
    """The question and one button per country with checked lines, plus one for anywhere else."""
    buttons = tuple(Button(name, f"{COUNTRY}:{code}") for code, name in names.items())
    return Reply(prefix, (*buttons, Button("Somewhere else", f"{COUNTRY}:XX")))


def forget_confirmation() -> Reply:
    """Ask before deleting anything."""
    return Reply(FORGET_ASK, (Button("Yes, delete", FORGET_YES), Button("No, keep it", FORGET_NO)))


def with_lines(reply: Reply, lines: Reply) -> Reply:
    """``reply`` with the crisis lines under it (for any reply sent while in crisis mode)."""
    return Reply(f"{reply.text}\n\n{lines.text}", reply.buttons or lines.buttons)
