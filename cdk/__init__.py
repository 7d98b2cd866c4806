"""The CDK app entry (`app.py`) and the typed per-stage configuration (`config.py`)."""
