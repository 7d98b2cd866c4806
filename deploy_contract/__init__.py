"""The deployment contract: the facts the application, the infrastructure (stacks/, cdk/) and
the operators' tools (app_service/ops/, scripts/) must agree on, in one place.

- `naming`: stage names, stack names, physical resource names;
- `metrics`: the CloudWatch namespaces and every metric name the code emits;
- `dr`: the disaster-recovery objectives per stage.

Standard library only, and importing nothing from the application or the infrastructure: both
sides import this, never each other (tests/infra/test_contract.py checks it).
"""
