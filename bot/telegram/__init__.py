"""The Telegram layer: python-telegram-bot in front of the core, with nothing lost or sent twice.

adapter      Update -> Inbound (or the group notice, a moderator's action, or nothing)
results      what became of an update: the closed set of results the log and metrics name
processor    one chat at a time in arrival order, chats concurrently
handlers     one catch-all handler per update kind, each ending in the writer or the desk
writer       one per process: private chats' updates decided and group-committed in batches
moderators   the moderators' chat: the desk acts, the actor alone sees a refusal
sender       the outbox sender: one row a message, plain text, retries, rate limits
inbox        updates stored as they arrive (one transaction for many), then decided by claim
poller       long polling that confirms only stored updates
webhook      Starlette app that answers 200 only once the update is stored
acceptor     the webhook's own process in ``crisisbot run`` (imported on demand, not here)
application  builds the Application and wires the parts
runner       ``crisisbot run``: start, serve, stop cleanly, with the chores of :mod:`bot.runtime`
             (imported on demand, not here)
"""

from bot.telegram.adapter import GroupNotice, Ignored, ToCore, ToDesk, adapt
from bot.telegram.application import TelegramBot, assemble, build_application
from bot.telegram.handlers import TelegramHandlers
from bot.telegram.inbox import Decider, InboxWriter
from bot.telegram.outgoing import keyboard_for, split_reply, split_text
from bot.telegram.poller import DurablePoller
from bot.telegram.processor import ChatOrderedProcessor
from bot.telegram.sender import OutboxSender, SenderSettings
from bot.telegram.webhook import create_webhook_app
from bot.telegram.writer import UpdateWriter

__all__ = [
    "ChatOrderedProcessor",
    "Decider",
    "DurablePoller",
    "GroupNotice",
    "Ignored",
    "InboxWriter",
    "OutboxSender",
    "SenderSettings",
    "TelegramBot",
    "TelegramHandlers",
    "ToCore",
    "ToDesk",
    "UpdateWriter",
    "adapt",
    "assemble",
    "build_application",
    "create_webhook_app",
    "keyboard_for",
    "split_reply",
    "split_text",
]
