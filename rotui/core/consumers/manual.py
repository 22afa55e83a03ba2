"""A consumer the operator updates by hand; rotui shows the steps and audits the confirmation."""

from __future__ import annotations

from rotui.core.consumers.base import ConsumerAdapter, ConsumerContext, WriteOutcome
from rotui.core.errors import RotuiError
from rotui.core.model import ConsumerKind
from rotui.core.secret import Secret


class ManualConsumer(ConsumerAdapter):
    """Nothing to run: the rotation engine asks the operator instead of calling ``write``."""

    kind = ConsumerKind.MANUAL
    needs_operator = True

    def describe(self) -> str:
        return str(self.spec.fields["instructions"])

    async def preflight(self, ctx: ConsumerContext) -> list[str]:
        return []

    async def write(self, secret: Secret, ctx: ConsumerContext) -> WriteOutcome:
        raise RotuiError("manual consumer", "confirm it in the wizard or with --confirm-manual")
