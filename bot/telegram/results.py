"""What became of one update, as the update log and ``crisisbot_updates_total{result}`` name it.

A closed set, so a misspelt result is a type error rather than a new metric label nobody
watches. ``ignored:<reason>`` results are built from an :class:`IgnoredReason` only.
"""

from __future__ import annotations

from enum import StrEnum


class IgnoredReason(StrEnum):
    """Why the bot left an update alone."""

    UNHANDLED_KIND = "unhandled_kind"  # channel posts, membership changes...
    FROM_BOT = "from_bot"
    MODERATION_CHAT = "moderation_chat"  # moderators' chat text that is no action
    MODERATION_OFF = "moderation_off"  # a moderators' update with no desk configured
    GROUP_WITHOUT_WORDS = "group_without_words"
    GROUP_BUTTON = "group_button"
    GROUP_EDIT = "group_edit"  # an edit in a group with nothing of crisis in it
    GROUP_NOTICE_RECENT = "group_notice_recent"  # the group was told within the period
    BUTTON_WITHOUT_CHAT = "button_without_chat"


class UpdateResult(StrEnum):
    """One update's result."""

    HANDLED = "handled"  # the core decided; the outbox may hold replies
    DUPLICATE = "duplicate"  # seen before: nothing done
    GROUP_NOTICE = "group_notice"
    MODERATION = "moderation"  # the desk acted; the outbox may hold something new
    REFUSED = "refused"  # someone who is not a moderator tried to act
    FAILED = "failed"
    IGNORED_UNHANDLED_KIND = f"ignored:{IgnoredReason.UNHANDLED_KIND}"
    IGNORED_FROM_BOT = f"ignored:{IgnoredReason.FROM_BOT}"
    IGNORED_MODERATION_CHAT = f"ignored:{IgnoredReason.MODERATION_CHAT}"
    IGNORED_MODERATION_OFF = f"ignored:{IgnoredReason.MODERATION_OFF}"
    IGNORED_GROUP_WITHOUT_WORDS = f"ignored:{IgnoredReason.GROUP_WITHOUT_WORDS}"
    IGNORED_GROUP_BUTTON = f"ignored:{IgnoredReason.GROUP_BUTTON}"
    IGNORED_GROUP_EDIT = f"ignored:{IgnoredReason.GROUP_EDIT}"
    IGNORED_GROUP_NOTICE_RECENT = f"ignored:{IgnoredReason.GROUP_NOTICE_RECENT}"
    IGNORED_BUTTON_WITHOUT_CHAT = f"ignored:{IgnoredReason.BUTTON_WITHOUT_CHAT}"

    @classmethod
    def ignored(cls, reason: IgnoredReason) -> UpdateResult:
        """The result of an update left alone for ``reason``."""
        return cls(f"ignored:{reason}")

    @property
    def is_ignored(self) -> bool:
        """Whether the update was left alone (nothing stored, nothing queued)."""
        return self.startswith("ignored:")

    @property
    def may_have_queued(self) -> bool:
        """Whether the outbox may hold something new: the sender should look now."""
        return self in _QUEUEING


_QUEUEING = frozenset({UpdateResult.HANDLED, UpdateResult.GROUP_NOTICE, UpdateResult.MODERATION})

__all__ = ["IgnoredReason", "UpdateResult"]
