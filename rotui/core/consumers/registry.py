"""Which adapter class handles which consumer kind."""

from __future__ import annotations

from rotui.core.consumers.base import ConsumerAdapter
from rotui.core.consumers.command import CommandConsumer
from rotui.core.consumers.env_file import EnvFileConsumer
from rotui.core.consumers.fields import ConsumerSpec
from rotui.core.consumers.github import GithubConsumer
from rotui.core.consumers.heroku import HerokuConsumer
from rotui.core.consumers.infisical import InfisicalConsumer
from rotui.core.consumers.manual import ManualConsumer
from rotui.core.model import ConsumerKind

ADAPTERS: dict[ConsumerKind, type[ConsumerAdapter]] = {
    adapter.kind: adapter
    for adapter in (
        HerokuConsumer,
        GithubConsumer,
        InfisicalConsumer,
        EnvFileConsumer,
        CommandConsumer,
        ManualConsumer,
    )
}


def adapter_for(spec: ConsumerSpec) -> ConsumerAdapter:
    """The adapter for a checked consumer spec."""
    return ADAPTERS[spec.kind](spec)
