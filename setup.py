"""The package list, found rather than listed (the rest of the configuration is pyproject.toml).

Everything under app_service/, the deployment contract (deploy_contract/), plus the SQL (db/) and the OpenAPI tree (openapi/), which stay at
the top of the repository and ship inside the package as `app_service._sql` and
`app_service._openapi` (pyproject.toml's package-dir maps the folders, its package-data names the
files). Found, so a new subpackage ships without an edit here; tests/test_wheel.py checks the
wheel holds every file.
"""

from setuptools import find_namespace_packages, setup


def _mapped(folder: str, package: str, exclude: tuple[str, ...] = ()) -> list[str]:
    """`package` and one subpackage per folder under `folder` (data folders are packages too:
    setuptools ships files per package)."""
    found = find_namespace_packages(where=folder, exclude=[*exclude, "*__pycache__*"])
    return [package, *(f"{package}.{name}" for name in found)]


setup(
    packages=[
        *find_namespace_packages(
            include=["app_service", "app_service.*"], exclude=["*__pycache__*"]
        ),
        "deploy_contract",  # the deployment contract the application and the stacks share
        *_mapped("db", "app_service._sql", exclude=("tools", "tools.*")),  # db/tools: a dev script
        *_mapped("openapi", "app_service._openapi"),
    ]
)
