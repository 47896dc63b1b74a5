"""Missing or contradictory configuration: exit status 2 and a line naming the variable."""

from __future__ import annotations

import subprocess
from typing import Callable

import pytest

AZURE_OK = {"USE_AZURE_OPENAI": "true", "AZURE_OPENAI_API_KEY": "azkey-test",
            "AZURE_OPENAI_ENDPOINT": "https://example.openai.azure.com",
            "AZURE_OPENAI_DEPLOYMENT": "dep"}

CASES = [
    pytest.param({"USE_AZURE_OPENAI": "true"}, "AZURE_OPENAI_", id="azure-nothing-else"),
    pytest.param({k: v for k, v in AZURE_OK.items() if k != "AZURE_OPENAI_DEPLOYMENT"},
                 "AZURE_OPENAI_DEPLOYMENT", id="azure-without-deployment"),
    pytest.param({k: v for k, v in AZURE_OK.items() if k != "AZURE_OPENAI_API_KEY"},
                 "AZURE_OPENAI_API_KEY", id="azure-without-key"),
    pytest.param(AZURE_OK | {"AZURE_OPENAI_ENDPOINT": "http://x"}, "AZURE_OPENAI_ENDPOINT",
                 id="azure-endpoint-http"),
    pytest.param({"PORT": "abc"}, "PORT", id="port-not-a-number"),
]


@pytest.mark.parametrize("env,variable", CASES)
def test_bad_config_exits_2_naming_the_variable(
        env: dict[str, str], variable: str,
        run_bridge: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    done = run_bridge("serve", env={"PORT": "0", **env}, timeout=15)
    assert done.returncode == 2, (f"exit {done.returncode}, expected 2\n"
                                  f"stderr:\n{done.stderr}")
    lines = [ln for ln in done.stderr.splitlines() if variable in ln]
    assert lines, f"no stderr line names {variable}:\n{done.stderr}"
    assert "listening" not in done.stderr


def test_bad_config_in_dotenv_is_reported_too(
        run_bridge: Callable[..., subprocess.CompletedProcess[str]], tmp_path) -> None:
    cwd = tmp_path / "dotenv"
    cwd.mkdir()
    (cwd / ".env").write_text("USE_AZURE_OPENAI=true\nAZURE_OPENAI_API_KEY=azkey-test\n"
                              "AZURE_OPENAI_ENDPOINT=https://example.openai.azure.com\n")
    done = run_bridge("serve", env={"PORT": "0"}, cwd=cwd, timeout=15)
    assert done.returncode == 2, done.stderr
    assert "AZURE_OPENAI_DEPLOYMENT" in done.stderr
