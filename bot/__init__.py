"""crisisbot: ketamine-therapy education over Telegram, with a crisis gate in front of everything.

The packages stack in layers, bottom first (docs/architecture.md; tests/test_layering.py keeps
them so): ``model`` and ``errors``; ``safe_yaml``, ``clean_text`` and ``config``; ``embedding``;
``gate``, ``crisis`` and ``engine``; ``i18n``; ``storage``; ``moderation``; ``metrics``;
``core``; the wiring (``app``, ``reload``, ``flowtests``); ``telegram``; ``cli`` on top. Import
from a package's face (its ``__init__``) where it has one.
"""

__all__: list[str] = []
