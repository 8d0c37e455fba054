"""``python -m services``: the ``ontrack`` command."""

from services.cli import main

main()
