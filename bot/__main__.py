"""``python -m bot``: the same as the ``crisisbot`` command."""

from bot.cli.main import main

if __name__ == "__main__":
    main()
