"""`python -m app_service.cli`: the `reminderly` command."""

from app_service.cli import main

main()
