"""Logical units of a stack that keep the logical IDs their resources had before the split.

A CloudFormation logical ID is made from the construct path: moving a resource into a new
construct changes its ID, and CloudFormation replaces a resource whose ID changed (a new
database login secret, log group or queue, the old one deleted). A `Unit` is a real construct
(its own node, its own tests, its own place in the tree) whose id is left out of the logical
IDs CDK derives from paths; a `UnitStack` allocates IDs that way, also where a construct id
embeds another construct's unique id (security group rules name their peer). Two resources that
would end up with the same ID are refused at synth. Names CDK derives from paths inside
properties are set by the units themselves with `unit_blind_name` / `unit_blind_path`."""

from __future__ import annotations

import hashlib
import re

from aws_cdk import CfnElement, CfnResource, Names, Stack
from constructs import Construct, IConstruct

_HIDDEN = "Default"  # CDK leaves this id out of IDs altogether
_HIDDEN_FROM_HUMAN = "Resource"  # and this one out of the readable part


class Unit(Construct):
    """A logical unit of a UnitStack (API service, front door, ...): its id is not part of its
    resources' logical IDs."""


def unique_id(components: list[str]) -> str:
    """CDK's makeUniqueId (aws-cdk-lib core/lib/private/uniqueid.ts): the readable path and
    an MD5 of the whole path."""
    components = [c for c in components if c != _HIDDEN]
    if len(components) == 1:
        candidate = re.sub(r"[^A-Za-z0-9]", "", components[0])
        if len(candidate) <= 255:
            return candidate
    digest = hashlib.md5("/".join(components).encode()).hexdigest()[:8].upper()
    readable: list[str] = []
    for c in components:  # CDK's removeDupes: skip a component its predecessor ends with
        if not readable or not readable[-1].endswith(c):
            readable.append(c)
    human = "".join(re.sub(r"[^A-Za-z0-9]", "", c) for c in readable if c != _HIDDEN_FROM_HUMAN)
    return human[:240] + digest


def _ids(scopes: list[IConstruct]) -> list[str]:
    return [s.node.id for s in scopes if not isinstance(s, Unit)]


def unit_blind_name(scope: Construct, construct_id: str) -> str:
    """What `Names.uniqueId` gives a construct `construct_id` made in `scope` as if no Unit were
    on its path: for names CDK derives from paths (a task definition's family)."""
    return unique_id([*_ids(scope.node.scopes[1:]), construct_id])


def blind_unique_id(construct: IConstruct) -> str:
    """`Names.uniqueId(construct)` as if no Unit were on its path."""
    return unique_id(_ids(construct.node.scopes[1:]))


def keep_scaling_policy_names(unit: Unit) -> None:
    """Application Auto Scaling names a policy by its construct's unique id, and a new name
    replaces the policy: the names it had before the split into units."""
    for c in unit.node.find_all():
        if (
            CfnResource.is_cfn_resource(c)
            and c.cfn_resource_type == "AWS::ApplicationAutoScaling::ScalingPolicy"
        ):
            c.add_property_override("PolicyName", blind_unique_id(c.node.scope))


def unit_blind_path(construct: IConstruct) -> str:
    """The construct's path as if no Unit were on it (tags CDK sets to the path)."""
    return "/".join(_ids(construct.node.scopes[1:]))


class UnitStack(Stack):
    """A stack whose Units are transparent to logical IDs."""

    def _blind_ids(self) -> dict[str, str]:
        """{Names.unique_id of a construct inside a Unit: the one it had without Units}."""
        nodes = self.node.find_all()
        if getattr(self, "_blind_for", None) != len(nodes):
            self._blind_for, self._blind = len(nodes), {}
            for c in nodes:
                if any(isinstance(s, Unit) for s in c.node.scopes) and not isinstance(c, Unit):
                    self._blind[Names.unique_id(c)] = unique_id(_ids(c.node.scopes[1:]))
        return self._blind

    def _allocate_logical_id(self, cfn_element: CfnElement) -> str:
        scopes = cfn_element.node.scopes
        paths = [s.node.path for s in scopes]
        components = _ids(scopes[paths.index(self.node.path) + 1 :])
        blind = self._blind_ids()
        for aware in [a for a in blind if any(a in c for c in components)]:
            components = [c.replace(aware, blind[aware]) for c in components]
        logical_id = unique_id(components)
        path = cfn_element.node.path
        if not hasattr(self, "_allocated"):  # (the base class may allocate during its __init__)
            self._allocated: dict[str, str] = {}
        if self._allocated.setdefault(logical_id, path) != path:
            raise ValueError(
                f"{path} and {self._allocated[logical_id]} would share the logical ID "
                f"{logical_id}: rename one of them"
            )
        return logical_id
