#!/usr/bin/env bash
# The clinic of README "A worked example", on this machine, with no keys: the built-in parrot
# answers, and pressing 1 or 2 makes it call the clinic's HTTP tool or MCP tool. Needs the test
# venv (`scripts/test --e2e-only` makes .venv-test) for the two small servers.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
py="$root/.venv-test/bin/python"
[[ -x "$py" ]] || { echo "run scripts/test --e2e-only once first: it makes .venv-test" >&2; exit 2; }
"$py" "$root/Tests/peers/mock_business_api.py" --plain --port 8091 >/dev/null &
api=$!
"$py" "$root/Tests/peers/mcp_server.py" --port 8092 >/dev/null &
mcp=$!
trap 'kill $api $mcp 2>/dev/null' EXIT
sleep 2
cd "$root"
AGENTS_DIR=examples/clinic/agents TOOLS_DIR=examples/clinic/tools MCP_DIR=examples/clinic/mcp \
CLINIC_API_KEY=clinic-demo-key \
LOCAL_TOOL_CALLS='1=lookup_appointment:{"phone":"+46701234567"}|2=lookup_order:{"order_id":"A-17"}|9=hang_up:{}' \
  swift run -c release voice-bridge serve
