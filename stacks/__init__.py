"""One module per deployable stack; `parts/` holds the small constructs they are built from."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The repository: the image's build context (Dockerfile) and runbooks/ are read from here."""
