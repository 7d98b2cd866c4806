"""The SQL (migrations, procedures, named queries), installed as `app_service._sql`.

This file makes the folder a package so that `importlib.resources` finds it both in an
installed wheel and in an editable install (pyproject.toml maps the folder into the package).
"""
