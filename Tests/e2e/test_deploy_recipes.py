"""deploy/: what can be checked without a container engine or a cluster.

The Dockerfile is linted (hadolint) and read for its promises, the Kubernetes manifest is
validated against the API schemas (kubernetes-validate, offline, --strict), every manifest
parses as YAML and keeps the drain promise (grace period above DRAIN_TIMEOUT, probes on
/readyz and /healthz), the systemd unit passes `systemd-analyze verify`, and every variable a
recipe sets is one the bridge documents in .env.example. Nothing here builds or runs an image.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from harness import REPO_ROOT, bridge_binary

DEPLOY = REPO_ROOT / "deploy"
VENV_BIN = Path(sys.executable).parent
DEFAULT_DRAIN_S = 600


def documented_variables() -> set[str]:
    text = (REPO_ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, re.M))


def seconds(text: str) -> int:
    """600, "600", "90s", "10m", "11min" -> seconds."""
    m = re.fullmatch(r"(\d+)\s*(s|m|min|h)?", str(text).strip())
    assert m, text
    return int(m.group(1)) * {"s": 1, None: 1, "m": 60, "min": 60, "h": 3600}[m.group(2)]


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("secretRef") or e.get("valueFrom")) for e in container.get("env", [])}


def test_dockerfile_lints_clean_and_keeps_its_promises() -> None:
    dockerfile = DEPLOY / "Dockerfile"
    lint = subprocess.run([str(VENV_BIN / "hadolint"), "--no-color", str(dockerfile)],
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    text = dockerfile.read_text()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", text, re.M)
    assert len(stages) == 2 and stages[0][0].startswith("swift:") and stages[1][0].endswith("-slim")
    runtime = text.split("\nFROM ", 2)[2]
    for package in ("libssl3", "libcurl4", "ca-certificates"):
        assert re.search(rf"\b{package}\b", runtime), package
    user = re.search(r"^USER\s+(\S+)", runtime, re.M)
    assert user and user.group(1).split(":")[0] not in ("0", "root")
    assert re.search(r"^HEALTHCHECK\b.*\n?.*?/healthz", runtime, re.M)
    for source in re.findall(r"^COPY\s+(?!--from)(\S+)", text, re.M):
        assert (REPO_ROOT / source).exists(), f"COPY {source}: not in the repository"
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and ".build/" in ignored


def test_kubernetes_manifest_is_valid_and_drains() -> None:
    manifest = DEPLOY / "kubernetes/voice-bridge.yaml"
    check = subprocess.run([str(VENV_BIN / "kubernetes-validate"), "--strict", "--quiet", str(manifest)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    docs = {d["kind"]: d for d in yaml.safe_load_all(manifest.read_text())}
    assert {"Secret", "Deployment", "Service", "HorizontalPodAutoscaler"} <= set(docs)
    pod = docs["Deployment"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    env = env_of(container)
    assert pod["terminationGracePeriodSeconds"] > seconds(env.get("DRAIN_TIMEOUT", DEFAULT_DRAIN_S))
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["ports"][0]["containerPort"] == int(env["PORT"])
    # Metrics on their own named port, scraped there, and never routed from outside.
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["metrics"] == int(env["METRICS_PORT"]) != int(env["PORT"])
    annotations = docs["Deployment"]["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == env["METRICS_PORT"]
    assert annotations["prometheus.io/path"] == "/metrics"
    assert {p["targetPort"] for p in docs["Service"]["spec"]["ports"]} == {"http"}
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert docs["Deployment"]["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert container["envFrom"][0]["secretRef"]["name"] == docs["Secret"]["metadata"]["name"]
    hpa = docs["HorizontalPodAutoscaler"]["spec"]
    assert hpa["scaleTargetRef"]["name"] == docs["Deployment"]["metadata"]["name"]
    assert hpa["metrics"][0]["resource"]["name"] == "cpu"
    paths = {p["path"] for r in docs["Ingress"]["spec"]["rules"] for p in r["http"]["paths"]}
    assert {"/incoming-call", "/media-stream"} <= paths
    assert set(env) | set(docs["Secret"]["stringData"]) <= documented_variables()


def test_azure_container_app_drains_within_its_grace_period() -> None:
    app = yaml.safe_load((DEPLOY / "azure/containerapp.yaml").read_text())
    template = app["properties"]["template"]
    container = template["containers"][0]
    env = env_of(container)
    assert template["terminationGracePeriodSeconds"] > seconds(env["DRAIN_TIMEOUT"])
    probes = {p["type"]: p["httpGet"]["path"] for p in container["probes"]}
    assert probes == {"Readiness": "/readyz", "Liveness": "/healthz", "Startup": "/healthz"}
    assert app["properties"]["configuration"]["ingress"]["targetPort"] == int(env["PORT"])
    secrets = {s["name"] for s in app["properties"]["configuration"]["secrets"]}
    assert {v for v in env.values() if v in secrets} == secrets, "every secret is used, every secretRef exists"
    assert set(env) <= documented_variables()


def test_compose_waits_longer_than_the_drain() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    bridge = compose["services"]["bridge"]
    assert seconds(bridge["stop_grace_period"]) > DEFAULT_DRAIN_S
    assert (DEPLOY / bridge["build"]["context"] / bridge["build"]["dockerfile"]).resolve() \
        == (DEPLOY / "Dockerfile").resolve()
    assert "bridge:5050" in compose["services"]["ngrok"]["command"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_unit_verifies(tmp_path: Path) -> None:
    unit = (DEPLOY / "systemd/voice-bridge.service").read_text()
    timeout = re.search(r"^TimeoutStopSec=(\S+)", unit, re.M)
    assert timeout and seconds(timeout.group(1)) > DEFAULT_DRAIN_S
    assert re.search(r"^KillSignal=SIGTERM$", unit, re.M)
    # verify checks that ExecStart exists: point it at the binary under test.
    local = tmp_path / "voice-bridge.service"
    local.write_text(unit.replace("/usr/local/bin/voice-bridge", str(bridge_binary())))
    done = subprocess.run(["systemd-analyze", "verify", str(local)], capture_output=True, text=True)
    complaints = [ln for ln in (done.stdout + done.stderr).splitlines() if "voice-bridge.service" in ln]
    assert done.returncode == 0 and complaints == [], done.stdout + done.stderr
