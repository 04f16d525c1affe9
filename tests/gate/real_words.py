"""Rebuild ``bot/gate/spelling.yaml``: the real words that spelling repair must leave alone.

Run: ``python -m tests.gate.real_words [--top 30000] > bot/gate/spelling.yaml`` with the
``wordfreq`` package installed beside the project (it is not a dependency: only this command
needs it). Each supported language written in Latin or Cyrillic letters gives its most frequent
words; every word that the crisis gate's corrector or the crisis terms' corrector would change
(repair towards a key, or split into words) is listed, folded as the correctors read it.
"""

from __future__ import annotations

import argparse
import unicodedata

from bot.gate.fuzzy import TokenCorrector
from bot.gate.lexicon_load import load_lexicon
from bot.gate.normalize import normalize
from bot.gate.semantic.safety_net import fold
from bot.gate.terms import shipped_terms

LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl", "pl", "tr", "ru", "uk")
MISSED = {"pl": ("samoboja", "samobojem", "samoboju")}
"""Real words the frequency lists miss that a corrector would change (an own goal, "samobój")."""


def main() -> None:
    """Print the YAML file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=30_000)
    args = parser.parse_args()
    from wordfreq import top_n_list

    lexicon = load_lexicon()
    views = TokenCorrector(lexicon.fuzzy.keys, (), lexicon.fuzzy.exclude, lexicon.fuzzy.words)
    terms = TokenCorrector(shipped_terms().spelling_keys)
    print("# Real words within reach of a spelling-repair key (bot/gate/fuzzy.py): never repaired.")
    print("# Built by tests/gate/real_words.py from the most frequent words of each language")
    print(f"# (wordfreq, top {args.top}); rebuild it after changing a key. Do not edit by hand.")
    print("real_words:")
    seen: set[str] = set()
    for language in LANGUAGES:
        found: set[str] = set()
        for word in (*top_n_list(language, args.top), *MISSED.get(language, ())):
            for spelled in {unicodedata.normalize("NFC", normalize(word)), fold(word)}:
                if not spelled.isalpha() or spelled in seen:
                    continue
                if views.correct(spelled) != spelled or terms.correct(spelled) != spelled:
                    found.add(spelled)
        seen |= found
        listed = ", ".join(f'"{word}"' for word in sorted(found))
        print(f"  {language}: [{listed}]")


if __name__ == "__main__":
    main()
