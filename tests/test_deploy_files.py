"""The compose file of docs/deploy.md names only settings newsdesk has and commands it runs, and
configures every newsdesk process for the shared servers (it cannot be started here: no images)."""

from __future__ import annotations

import yaml

from newsdesk.settings import Settings
from tests.support.paths import ROOT
from tests.test_cli_misc import subcommands

COMPOSE = ROOT / "deploy" / "compose.yaml"


def test_the_compose_file_configures_real_settings_and_commands() -> None:
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"postgres", "chroma", "migrate", "bot", "worker"} <= set(services)
    fields = {name.upper() for name in Settings.model_fields}
    commands = set(subcommands())
    for name in ("migrate", "bot", "worker"):
        service = services[name]
        variables = service["environment"]
        assert {"NEWSDESK_DATABASE_URL", "NEWSDESK_CHROMA_HOST"} <= set(variables), name
        assert all(v.removeprefix("NEWSDESK_") in fields for v in variables), variables
        command = service.get("command")  # the image's entrypoint is `newsdesk`
        script = " ".join(service.get("entrypoint", []))  # or a shell loop that runs it
        subcommand = command[0] if command else script.split("newsdesk ", 1)[1].split()[0]
        assert subcommand in commands, (name, subcommand)
    assert services["bot"]["deploy"]["replicas"] >= 2
    assert services["bot"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
