"""The CLI's command table beyond `init`: each entry points at the module that owns the command."""

from __future__ import annotations

from core.cli import Command

COMMANDS: dict[str, Command] = {}

# Owners add their commands below, one import and one line each, e.g.:
#   from core.importing.cli import IMPORT_COMMANDS
#   COMMANDS.update(IMPORT_COMMANDS)

from core.auth_cli import USER_COMMANDS  # noqa: E402

COMMANDS.update(USER_COMMANDS)

from core.importing.cli import IMPORT_COMMANDS  # noqa: E402

COMMANDS.update(IMPORT_COMMANDS)

from core.metrics.cli import KPI_COMMANDS  # noqa: E402

COMMANDS.update(KPI_COMMANDS)

from core.reports.cli import REPORT_COMMANDS  # noqa: E402

COMMANDS.update(REPORT_COMMANDS)

from core.ops import OPS_COMMANDS  # noqa: E402

COMMANDS.update(OPS_COMMANDS)

from core.aggregates import AGGREGATE_COMMANDS  # noqa: E402

COMMANDS.update(AGGREGATE_COMMANDS)
