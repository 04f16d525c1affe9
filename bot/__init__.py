"""crisisbot: ketamine-therapy education over Telegram, with a crisis gate in front of everything.

The packages stack in layers (docs/architecture.md; tests/test_layering.py keeps them so):
``model``, ``errors`` and ``safe_yaml`` at the bottom; ``embedding``; ``gate``, ``crisis`` and
``engine``; ``storage``; ``moderation``; ``core``; the wiring (``app``, ``reload``, ``metrics``);
``telegram``; ``cli`` on top. Import from a package's face (its ``__init__``) where it has one.
"""

__all__: list[str] = []
