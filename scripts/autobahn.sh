#!/usr/bin/env bash
# A copy of the project's shared conformance tool (tools/autobahn.sh in the shared workspace), kept
# in the repository so `scripts/conformance` and CI work on a clean clone. Keep the two in step.
# autobahn.sh - Autobahn TestSuite (RFC 6455) conformance runs on loopback.
# Run `autobahn.sh --help` for usage. Installs what it needs (idempotent) under
# ${AUTOBAHN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/autobahn}.
set -uo pipefail

PROG=${0##*/}
ATS_VERSION=25.10.1          # autobahntestsuite on PyPI (Python 2.7; the reference `wstest`)
KOSOKU_VERSION=0.1.0         # kosoku on PyPI (Python >= 3.10; fallback engine)
WEBSOCKETS_SPEC='websockets>=13,<18'   # reference peers used by `selftest`
CACHE=${AUTOBAHN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/autobahn}
OUT=${AUTOBAHN_OUT:-./autobahn-report}
TIMEOUT=${AUTOBAHN_TIMEOUT:-600}
CASES=${AUTOBAHN_CASES:-*}
EXCLUDE=${AUTOBAHN_EXCLUDE:-12.*,13.*}
ENGINE=${AUTOBAHN_ENGINE:-auto}
AGENT=${AUTOBAHN_AGENT:-server-under-test}
START_WAIT=${AUTOBAHN_START_WAIT:-60}
VERBOSE=${AUTOBAHN_VERBOSE:-0}

usage() {
cat <<EOF
$PROG - run the Autobahn TestSuite (RFC 6455) against a WebSocket server or client, on loopback only.

Usage:
  $PROG server ws://127.0.0.1:PORT/path [-- CMD ARGS...]
      Run every case except 12.* and 13.* (permessage-deflate) against the server
      under test (Autobahn "fuzzingclient" mode). With "-- CMD...", start CMD first
      (in its own process group), wait until PORT accepts TCP, run, then stop CMD.
      Report: \$AUTOBAHN_OUT/server/ (index.html, index.json, per-case files,
      summary.txt, engine.log). Agent name in the report: \$AUTOBAHN_AGENT.

  $PROG client PORT [-- CMD ARGS...]
      Start the Autobahn "fuzzingserver" on ws://127.0.0.1:PORT, wait for the client
      under test to run the cases and call updateReports, then summarise. With
      "-- CMD...", run CMD (env AUTOBAHN_URL=ws://127.0.0.1:PORT) once the server is
      listening. Report: \$AUTOBAHN_OUT/client/.

  $PROG selftest      Both modes against reference peers (Python 'websockets' echo server
                      and client); passes when the only FAILED case is 7.1.5, a known
                      deviation of 'websockets' (it answers 1002 to a close frame that
                      interrupts a fragmented message).
  $PROG install       Install the engine only (idempotent) and print its version.
  $PROG --help

The client under test must follow this URL sequence (base ws://127.0.0.1:PORT):
  1. GET /getCaseCount          server sends one text message: the case count N (e.g. "301"),
                                then closes. Close your side normally.
  2. for i in 1..N, one at a time:
     GET /runCase?case=i&agent=A
                                echo every text/binary message back unchanged (same opcode,
                                same payload, reassembled from fragments), answer pings, until
                                the server closes or drops the connection (either is normal;
                                do not abort the sequence on a failed/closed case).
  3. GET /updateReports?agent=A server writes the reports and closes; $PROG then stops the
                                fuzzingserver and summarises.
  A is the agent name (URL-safe, e.g. "swift-client"), the same in steps 2 and 3.
  Connect to 127.0.0.1, not "localhost" (the fuzzingserver listens on IPv4 loopback only).
  Cases are numbered 1..N within the selected set (12.* and 13.* excluded by default).

Output: engine log and reports under the report folder; failed cases on stderr; one line
on stdout, e.g.
  autobahn server: 286 OK, 11 NON-STRICT, 1 FAILED, 3 INFORMATIONAL, 0 UNIMPLEMENTED
", N MISSING" is appended when cases did not run (timeout, connection refused).
Exit status: 0 = no FAILED and none MISSING; 1 = some FAILED or MISSING; 2 = usage,
install or start-up error.

Environment:
  AUTOBAHN_OUT      report folder (default ./autobahn-report)
  AUTOBAHN_TIMEOUT  seconds for the whole run, incl. waiting for the client (default 600)
  AUTOBAHN_CASES    comma-separated case patterns to run (default "*")
  AUTOBAHN_EXCLUDE  comma-separated patterns to skip (default "12.*,13.*")
  AUTOBAHN_AGENT    agent name for server runs (default server-under-test)
  AUTOBAHN_ENGINE   auto | wstest | kosoku. wstest = autobahntestsuite $ATS_VERSION on
                    Python 2.7 (found via \$AUTOBAHN_PYTHON2, PATH, pyenv); kosoku =
                    Rust/Python-3 re-implementation driving the same case files (used by
                    auto only when no Python 2.7 exists; AUTOBAHN_CASES/EXCLUDE apply).
  AUTOBAHN_CACHE    install dir (default \${XDG_CACHE_HOME:-\$HOME/.cache}/autobahn)
  AUTOBAHN_START_WAIT  seconds to wait for a CMD server / fuzzingserver to listen (60)
  AUTOBAHN_VERBOSE  1 = stream the engine log to stderr
Hosts allowed: 127.0.0.0/8, localhost, [::1]. Only ws:// (no TLS).
EOF
}

say() { echo "$PROG: $*" >&2; }
die() { say "$*"; exit 2; }

# ---------------------------------------------------------------- helpers
PIDS_TO_KILL=()
PGIDS_TO_KILL=()
cleanup() {
  local p
  for p in "${PGIDS_TO_KILL[@]:-}"; do [ -n "$p" ] && kill -TERM -- "-$p" 2>/dev/null; done
  for p in "${PIDS_TO_KILL[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null; done
  sleep 0.3
  for p in "${PGIDS_TO_KILL[@]:-}"; do [ -n "$p" ] && kill -KILL -- "-$p" 2>/dev/null; done
  for p in "${PIDS_TO_KILL[@]:-}"; do [ -n "$p" ] && kill -KILL "$p" 2>/dev/null; done
  PIDS_TO_KILL=(); PGIDS_TO_KILL=()
}
trap 'cleanup' EXIT
trap 'cleanup; exit 130' INT TERM

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

with_lock() {  # with_lock CMD... : serialise installs between concurrent runs
  mkdir -p "$CACHE" || die "cannot create $CACHE"
  if command -v flock >/dev/null 2>&1; then
    ( flock -w 900 9 || { echo "$PROG: install lock busy" >&2; exit 2; }; "$@" ) 9>"$CACHE/.lock"
  else
    "$@"
  fi
}

find_python2() {
  local c
  for c in "${AUTOBAHN_PYTHON2:-}" python2.7 python2 \
           "${PYENV_ROOT:-$HOME/.pyenv}"/versions/2.7*/bin/python2.7 \
           /usr/local/bin/python2.7 /usr/bin/python2.7; do
    [ -n "$c" ] || continue
    if "$c" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (2, 7) else 1)' >/dev/null 2>&1; then
      command -v "$c" 2>/dev/null || echo "$c"; return 0
    fi
  done
  return 1
}

find_python3() {  # find_python3 MINOR : a python3 >= 3.MINOR with venv
  local min=$1 c
  for c in "${AUTOBAHN_PYTHON3:-}" python3 python3.13 python3.12 python3.11 python3.10 \
           "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[0-9]*/bin/python3 /usr/bin/python3; do
    [ -n "$c" ] || continue
    if "$c" -c "import sys, venv; sys.exit(0 if sys.version_info[:2] >= (3, $min) else 1)" >/dev/null 2>&1; then
      command -v "$c" 2>/dev/null || echo "$c"; return 0
    fi
  done
  return 1
}

PY2ENV="$CACHE/py2-wstest-$ATS_VERSION"
PY3ENV="$CACHE/py3"

_install_wstest() {
  local stamp="$PY2ENV/.installed" py2 py3
  if [ -f "$stamp" ] && "$PY2ENV/bin/python" -c 'import autobahntestsuite.fuzzing' >/dev/null 2>&1; then
    return 0
  fi
  py2=$(find_python2) || { echo "$PROG: no Python 2.7 interpreter found (set AUTOBAHN_PYTHON2)" >&2; return 2; }
  py3=$(find_python3 8) || { echo "$PROG: no Python 3.8+ found (needed to create the 2.7 virtualenv)" >&2; return 2; }
  echo "$PROG: installing autobahntestsuite $ATS_VERSION for $py2 into $PY2ENV (about 1 minute, once)" >&2
  local tools="$CACHE/venv-virtualenv"
  if ! "$tools/bin/python" -c 'import virtualenv' >/dev/null 2>&1; then
    rm -rf "$tools"
    "$py3" -m venv "$tools" >&2 && "$tools/bin/pip" install -q 'virtualenv<20.22' >&2 || return 2
  fi
  rm -rf "$PY2ENV"
  "$tools/bin/python" -m virtualenv -q -p "$py2" "$PY2ENV" >&2 || return 2
  "$PY2ENV/bin/pip" install -q --disable-pip-version-check "autobahntestsuite==$ATS_VERSION" >&2 || return 2
  "$PY2ENV/bin/python" -c 'import autobahntestsuite.fuzzing, autobahntestsuite.testee' || return 2
  touch "$stamp"
}

_install_py3() {  # packages for the kosoku engine and/or the selftest reference peers
  local want="$1" stamp="$PY3ENV/.installed-$2" py3
  if [ -f "$stamp" ] && [ -x "$PY3ENV/bin/python" ]; then return 0; fi
  py3=$(find_python3 10) || { echo "$PROG: no Python 3.10+ found" >&2; return 2; }
  [ -x "$PY3ENV/bin/python" ] || "$py3" -m venv "$PY3ENV" >&2 || return 2
  echo "$PROG: pip install $want into $PY3ENV" >&2
  # shellcheck disable=SC2086
  "$PY3ENV/bin/pip" install -q --disable-pip-version-check $want >&2 || return 2
  touch "$stamp"
}

choose_engine() {
  local auto=0
  case "$ENGINE" in
    wstest|kosoku) ;;
    auto) auto=1
          if [ -f "$PY2ENV/.installed" ] || find_python2 >/dev/null; then ENGINE=wstest; else
            ENGINE=kosoku; say "no Python 2.7 found: using kosoku $KOSOKU_VERSION instead of wstest"; fi ;;
    *) die "AUTOBAHN_ENGINE must be auto, wstest or kosoku" ;;
  esac
  if [ "$ENGINE" = wstest ]; then
    if with_lock _install_wstest; then
      ENGINE_PY="$PY2ENV/bin/python"
    elif [ $auto = 1 ]; then
      ENGINE=kosoku; say "installing wstest failed: using kosoku $KOSOKU_VERSION instead"
    else
      die "installing wstest failed (try AUTOBAHN_ENGINE=kosoku)"
    fi
  fi
  if [ "$ENGINE" = wstest ]; then
    :
  else
    with_lock _install_py3 "kosoku==$KOSOKU_VERSION" "kosoku-$KOSOKU_VERSION" || die "installing kosoku failed"
    ENGINE_PY="$PY3ENV/bin/python"
  fi
  write_helpers
}

# ---------------------------------------------------------------- embedded helpers
write_helpers() {
  mkdir -p "$CACHE/lib"
  local t
  t=$(mktemp "$CACHE/lib/.tmp.XXXXXX")
  cat >"$t" <<'PYEOF'
# Python 2.7 driver around autobahntestsuite (written by autobahn.sh).
#   driver.py fuzzingclient URL OUTDIR AGENT TIMEOUT CASES EXCLUDE   (tests a server)
#   driver.py fuzzingserver PORT OUTDIR TIMEOUT CASES EXCLUDE         (tests a client)
# The fuzzingserver binds 127.0.0.1 only and stops after the first updateReports.
import sys


def patterns(s):
    return [p.strip() for p in s.split(",") if p.strip()]


def arm_timeout(reactor, factory, timeout):
    def on_timeout():
        print("AUTOBAHN-DRIVER: TIMEOUT after %ss, writing partial report" % timeout)
        sys.stdout.flush()
        try:
            factory.createReports()
        finally:
            reactor.stop()
    reactor.callLater(timeout, on_timeout)


def fuzzingclient(url, outdir, agent, timeout, cases, exclude):
    from twisted.internet import reactor
    from autobahntestsuite import fuzzing
    spec = {"outdir": outdir, "options": {"failByDrop": False},
            "servers": [{"agent": agent, "url": url}],
            "cases": patterns(cases), "exclude-cases": patterns(exclude),
            "exclude-agent-cases": {}}
    factory = fuzzing.FuzzingClientFactory(spec)  # connects by itself
    print("AUTOBAHN-DRIVER: CASES %d" % len(factory.specCases))
    sys.stdout.flush()
    arm_timeout(reactor, factory, timeout)
    reactor.run()


def fuzzingserver(port, outdir, timeout, cases, exclude):
    from twisted.internet import reactor
    from autobahn.twisted.websocket import listenWS
    from autobahntestsuite import fuzzing
    spec = {"url": "ws://127.0.0.1:%d" % port, "outdir": outdir,
            "options": {"failByDrop": False},
            "cases": patterns(cases), "exclude-cases": patterns(exclude),
            "exclude-agent-cases": {}}
    orig_on_open = fuzzing.FuzzingServerProtocol.onOpen

    def on_open(self):
        orig_on_open(self)  # writes the reports synchronously for /updateReports
        if self.path == "/updateReports":
            print("AUTOBAHN-DRIVER: REPORTS UPDATED for agent %s" % self.caseAgent)
            sys.stdout.flush()
            reactor.callLater(1.0, reactor.stop)
    fuzzing.FuzzingServerProtocol.onOpen = on_open
    factory = fuzzing.FuzzingServerFactory(spec)
    listenWS(factory, interface="127.0.0.1")
    print("AUTOBAHN-DRIVER: CASES %d" % len(factory.specCases))
    print("AUTOBAHN-DRIVER: LISTENING ws://127.0.0.1:%d" % port)
    sys.stdout.flush()
    arm_timeout(reactor, factory, timeout)
    reactor.run()


if __name__ == "__main__":
    a = sys.argv
    if a[1] == "fuzzingclient":
        fuzzingclient(a[2], a[3], a[4], int(a[5]), a[6], a[7])
    elif a[1] == "fuzzingserver":
        fuzzingserver(int(a[2]), a[3], int(a[4]), a[5], a[6])
    else:
        sys.exit("unknown mode")
PYEOF
  mv -f "$t" "$CACHE/lib/wstest_driver.py"

  t=$(mktemp "$CACHE/lib/.tmp.XXXXXX")
  cat >"$t" <<'PYEOF'
# Summarise an Autobahn report folder (index.json); Python 2.7 or 3 (written by autobahn.sh).
#   summarize.py LABEL OUTDIR EXPECTED_CASES [ALLOWED_FAILED_CASES_COMMA_LIST]
import io
import json
import os
import sys

COUNTED = ("OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED")


def out(stream, line):
    if not isinstance(line, type(u"")):
        line = line.decode("utf-8", "replace")
    b = (line + u"\n").encode("ascii", "backslashreplace")
    getattr(stream, "buffer", stream).write(b)
    stream.flush()


def key(cid):
    try:
        return tuple(int(x) for x in cid.split("."))
    except ValueError:
        return (999999, cid)


def main(label, outdir, expected, allowed):
    index = os.path.join(outdir, "index.json")
    empty = "0 OK, 0 NON-STRICT, 0 FAILED, 0 INFORMATIONAL, 0 UNIMPLEMENTED"
    if not os.path.exists(index):
        out(sys.stdout, "autobahn %s: %s%s (no report written)" % (label, empty, ", %d MISSING" % expected if expected else ""))
        return 1
    with io.open(index, encoding="utf-8") as f:
        data = json.load(f)
    if not data:
        out(sys.stdout, "autobahn %s: %s, %d MISSING (no case ran)" % (label, empty, expected))
        return 1
    rc, lines, details = 0, [], []
    for agent in sorted(data):
        cases = data[agent]
        counts = dict((k, 0) for k in COUNTED)
        failed = []
        for cid in sorted(cases, key=key):
            r = cases[cid]
            b = r.get("behavior")
            if b in counts:
                counts[b] += 1
                continue
            failed.append(cid)
            detail = ""
            try:
                with io.open(os.path.join(outdir, r["reportfile"]), encoding="utf-8") as cf:
                    cr = json.load(cf)
                detail = (cr.get("description") or "").strip()[:120] + " => " + (cr.get("result") or "").strip()
                if r.get("behaviorClose") not in ("OK", "INFORMATIONAL"):
                    detail += " | close: " + (cr.get("resultClose") or "").strip()
            except Exception:
                pass
            detail = u" ".join(detail.split())
            details.append(u"  FAILED %s%s [%s/%s] %s" % (
                cid, u"" if len(data) == 1 else u" (agent %s)" % agent, b, r.get("behaviorClose"), detail[:400]))
        missing = max(0, expected - len(cases))
        name = "autobahn %s" % label if len(data) == 1 else "autobahn %s (agent %s)" % (label, agent)
        line = "%s: %d OK, %d NON-STRICT, %d FAILED, %d INFORMATIONAL, %d UNIMPLEMENTED" % (
            name, counts["OK"], counts["NON-STRICT"], len(failed),
            counts["INFORMATIONAL"], counts["UNIMPLEMENTED"])
        if missing:
            line += ", %d MISSING" % missing
        lines.append(line)
        if missing or [c for c in failed if c not in allowed]:
            rc = 1
    with io.open(os.path.join(outdir, "summary.txt"), "w", encoding="utf-8") as f:
        for l in details + lines:
            f.write(u"%s\n" % l)
    for l in details[:60]:
        out(sys.stderr, l)
    if len(details) > 60:
        sys.stderr.write("  ... %d more in %s\n" % (len(details) - 60, os.path.join(outdir, "summary.txt")))
    sys.stderr.flush()
    for l in lines:
        out(sys.stdout, l)
    return rc


if __name__ == "__main__":
    allowed = set(x for x in (sys.argv[4] if len(sys.argv) > 4 else "").split(",") if x)
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), allowed))
PYEOF
  mv -f "$t" "$CACHE/lib/summarize.py"

  t=$(mktemp "$CACHE/lib/.tmp.XXXXXX")
  cat >"$t" <<'PYEOF'
# Reference peers for `autobahn.sh selftest` (Python 3 + websockets; written by autobahn.sh).
#   ref_peers.py echoserver PORT      echo server on 127.0.0.1:PORT
#   ref_peers.py client BASE_URL      runs getCaseCount / runCase / updateReports
import asyncio
import json
import os
import sys

os.environ.setdefault("WEBSOCKETS_MAX_FRAGMENTS", "1000000")  # 9.3.x/9.4.x send 65536 fragments
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.exceptions import WebSocketException

OPTS = dict(max_size=2 ** 25, max_queue=1)


async def echo(ws):
    try:
        async for msg in ws:
            await ws.send(msg)
    except Exception:
        pass


async def echoserver(port):
    async with serve(echo, "127.0.0.1", port, server_header="websockets-reference", **OPTS) as server:
        print("listening on ws://127.0.0.1:%d" % port, flush=True)
        await server.serve_forever()


async def client(base, agent="websockets-reference"):
    async with connect(base + "/getCaseCount") as ws:
        count = int(json.loads(await ws.recv()))
    for case in range(1, count + 1):
        try:
            async with connect("%s/runCase?case=%d&agent=%s" % (base, case, agent), **OPTS) as ws:
                async for msg in ws:
                    await ws.send(msg)
        except (WebSocketException, OSError):
            pass
    async with connect("%s/updateReports?agent=%s" % (base, agent)) as ws:
        try:
            await ws.recv()
        except WebSocketException:
            pass
    print("client ran %d cases" % count, flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "echoserver":
        asyncio.run(echoserver(int(sys.argv[2])))
    else:
        asyncio.run(client(sys.argv[2]))
PYEOF
  mv -f "$t" "$CACHE/lib/ref_peers.py"
}

# ---------------------------------------------------------------- run helpers
prepare_outdir() {  # prepare_outdir DIR : remove only files this script writes
  local d=$1
  mkdir -p "$d" || die "cannot create $d"
  rm -f "$d"/index.json "$d"/index.html "$d"/summary.txt "$d"/engine.log "$d"/cmd.log
  find "$d" -maxdepth 1 -type f \( -name '*_case_*.json' -o -name '*_case_*.html' \) -delete 2>/dev/null
}

start_engine() {  # start_engine LOG CMD... ; sets ENGINE_PID (hard-bounded by timeout)
  local log=$1; shift
  timeout -k 10 $((TIMEOUT + 60)) "$@" >"$log" 2>&1 &
  ENGINE_PID=$!
  PIDS_TO_KILL+=("$ENGINE_PID")
  if [ "$VERBOSE" = 1 ]; then
    tail -n +1 -F "$log" >&2 2>/dev/null &
    PIDS_TO_KILL+=("$!")
  fi
}

wait_engine() {  # wait for the engine, then forget its pid (and stop the log tail)
  wait "$ENGINE_PID" 2>/dev/null
  local p
  for p in "${PIDS_TO_KILL[@]:-}"; do [ -n "$p" ] && [ "$p" != "$ENGINE_PID" ] && kill -TERM "$p" 2>/dev/null; done
  PIDS_TO_KILL=()
}

start_cmd() {  # start_cmd LOG CMD... : the peer under test, in its own process group
  local log=$1; shift
  setsid "$@" >"$log" 2>&1 </dev/null &
  CMD_PID=$!
  PGIDS_TO_KILL+=("$CMD_PID")
}

stop_cmd() {
  [ -n "${CMD_PID:-}" ] || return 0
  kill -TERM -- "-$CMD_PID" 2>/dev/null
  local _
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$CMD_PID" 2>/dev/null || break; sleep 0.3; done
  kill -KILL -- "-$CMD_PID" 2>/dev/null
  wait "$CMD_PID" 2>/dev/null
  PGIDS_TO_KILL=(); CMD_PID=
}

cases_from_log() { sed -n 's/^AUTOBAHN-DRIVER: CASES \([0-9]*\).*/\1/p' "$1" | head -1; }

summarize() {  # summarize LABEL DIR EXPECTED [ALLOWED]
  "$ENGINE_PY" "$CACHE/lib/summarize.py" "$1" "$2" "${3:-0}" "${4:-}"
}

check_loopback_host() {
  case "$1" in localhost|'[::1]') return 0 ;; esac
  [[ "$1" =~ ^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] && return 0
  die "refusing non-loopback host '$1' (allowed: 127.0.0.0/8, localhost, [::1])"
}

kosoku_args() {
  local p inc exc
  KOSOKU_ARGS=()
  IFS=, read -ra inc <<<"$CASES"
  IFS=, read -ra exc <<<"$EXCLUDE"
  if [ "$CASES" != "*" ]; then for p in "${inc[@]}"; do [ -n "$p" ] && KOSOKU_ARGS+=(-i "$p"); done; fi
  for p in "${exc[@]}"; do [ -n "$p" ] && KOSOKU_ARGS+=(-x "$p"); done
}

# ---------------------------------------------------------------- modes
run_server() {  # run_server URL [ALLOWED_FAILED] [-- CMD...]
  local url=$1 allowed=${2:-}; shift 2
  [[ "$url" =~ ^ws://(\[[0-9a-fA-F:]+\]|[^/:?#]+)(:([0-9]+))?([/?].*)?$ ]] \
    || die "expected ws://HOST:PORT/path, got '$url'"
  local host=${BASH_REMATCH[1]} port=${BASH_REMATCH[3]:-80}
  check_loopback_host "$host"
  local chost=$host; [ "$host" = localhost ] && chost=127.0.0.1
  chost=${chost#[}; chost=${chost%]}
  choose_engine
  local dir="$OUT/server"; prepare_outdir "$dir"; dir=$(cd "$dir" && pwd)
  if [ $# -gt 0 ]; then
    start_cmd "$dir/cmd.log" "$@"
    local t=0
    until port_open "$chost" "$port"; do
      kill -0 "$CMD_PID" 2>/dev/null || die "server command exited before listening (see $dir/cmd.log)"
      [ $t -ge $((START_WAIT * 5)) ] && die "server command not listening on $chost:$port after ${START_WAIT}s"
      sleep 0.2; t=$((t + 1))
    done
  fi
  port_open "$chost" "$port" || die "nothing listening on $chost:$port"
  local start=$SECONDS expected=0
  say "server mode, engine $ENGINE, url $url, timeout ${TIMEOUT}s, report $dir"
  if [ "$ENGINE" = wstest ]; then
    start_engine "$dir/engine.log" "$ENGINE_PY" -u "$CACHE/lib/wstest_driver.py" fuzzingclient \
      "$url" "$dir" "$AGENT" "$TIMEOUT" "$CASES" "$EXCLUDE"
    wait_engine
    expected=$(cases_from_log "$dir/engine.log")
  else
    kosoku_args
    start_engine "$dir/engine.log" timeout "$TIMEOUT" "$PY3ENV/bin/kosoku" -m fuzzingclient \
      "${KOSOKU_ARGS[@]}" -o "$dir" "$url"
    wait_engine
  fi
  grep -q 'AUTOBAHN-DRIVER: TIMEOUT' "$dir/engine.log" 2>/dev/null && say "run stopped by AUTOBAHN_TIMEOUT=${TIMEOUT}s"
  stop_cmd
  say "run took $((SECONDS - start))s"
  summarize server "$dir" "${expected:-0}" "$allowed"
}

run_client() {  # run_client PORT [ALLOWED_FAILED] [-- CMD...]
  local port=$1 allowed=${2:-}; shift 2
  [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "bad port '$port'"
  port_open 127.0.0.1 "$port" && die "port $port on 127.0.0.1 is already in use"
  choose_engine
  local dir="$OUT/client"; prepare_outdir "$dir"; dir=$(cd "$dir" && pwd)
  local ready_re
  if [ "$ENGINE" = wstest ]; then
    start_engine "$dir/engine.log" "$ENGINE_PY" -u "$CACHE/lib/wstest_driver.py" fuzzingserver \
      "$port" "$dir" "$TIMEOUT" "$CASES" "$EXCLUDE"
    ready_re='AUTOBAHN-DRIVER: LISTENING'
  else
    kosoku_args
    start_engine "$dir/engine.log" timeout "$TIMEOUT" "$PY3ENV/bin/kosoku" -m fuzzingserver \
      "${KOSOKU_ARGS[@]}" -o "$dir" "127.0.0.1:$port"
    ready_re='fuzzingserver listening'
  fi
  local t=0
  until grep -q "$ready_re" "$dir/engine.log" 2>/dev/null; do
    kill -0 "$ENGINE_PID" 2>/dev/null || { cat "$dir/engine.log" >&2; die "fuzzingserver failed to start"; }
    [ $t -ge $((START_WAIT * 5)) ] && die "fuzzingserver not listening after ${START_WAIT}s"
    sleep 0.2; t=$((t + 1))
  done
  local start=$SECONDS expected
  expected=$(cases_from_log "$dir/engine.log")
  say "client mode, engine $ENGINE: fuzzingserver listening on ws://127.0.0.1:$port${expected:+ ($expected cases)};" \
      "waiting up to ${TIMEOUT}s for /updateReports; report $dir"
  if [ $# -gt 0 ]; then
    start_cmd "$dir/cmd.log" env AUTOBAHN_URL="ws://127.0.0.1:$port" "$@"
    # when the client command ends, give the server 15 s to see updateReports, then stop it
    while kill -0 "$ENGINE_PID" 2>/dev/null && kill -0 "$CMD_PID" 2>/dev/null; do sleep 0.5; done
    if kill -0 "$ENGINE_PID" 2>/dev/null; then
      t=0; while kill -0 "$ENGINE_PID" 2>/dev/null && [ $t -lt 30 ]; do sleep 0.5; t=$((t + 1)); done
      if kill -0 "$ENGINE_PID" 2>/dev/null; then
        say "client command ended without /updateReports; stopping the fuzzingserver"
        kill -TERM "$ENGINE_PID" 2>/dev/null
      fi
    fi
    wait "$CMD_PID" 2>/dev/null; say "client command exit status $?"; PGIDS_TO_KILL=(); CMD_PID=
  fi
  wait_engine
  grep -q 'AUTOBAHN-DRIVER: TIMEOUT' "$dir/engine.log" 2>/dev/null && say "run stopped by AUTOBAHN_TIMEOUT=${TIMEOUT}s"
  stop_cmd
  say "run took $((SECONDS - start))s after the fuzzingserver was ready"
  summarize client "$dir" "${expected:-0}" "$allowed"
}

free_port() {
  local p
  for p in $(seq 19001 19099); do port_open 127.0.0.1 "$p" || { echo "$p"; return 0; }; done
  return 1
}

run_selftest() {
  choose_engine
  with_lock _install_py3 "$WEBSOCKETS_SPEC" "websockets" || die "installing websockets failed"
  local p1 p2 rc=0 rc1 rc2
  p1=$(free_port) || die "no free port"
  say "selftest 1/2: server mode against the 'websockets' echo server on 127.0.0.1:$p1"
  run_server "ws://127.0.0.1:$p1/" "7.1.5" "$PY3ENV/bin/python" -u "$CACHE/lib/ref_peers.py" echoserver "$p1"
  rc1=$?
  p2=$(free_port) || die "no free port"
  say "selftest 2/2: client mode against the 'websockets' client, fuzzingserver on 127.0.0.1:$p2"
  run_client "$p2" "7.1.5" "$PY3ENV/bin/python" -u "$CACHE/lib/ref_peers.py" client "ws://127.0.0.1:$p2"
  rc2=$?
  [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] || rc=1
  say "selftest $([ $rc -eq 0 ] && echo PASSED || echo FAILED) (7.1.5 is an allowed known failure of the reference peers)"
  return $rc
}

# ---------------------------------------------------------------- main
[ $# -ge 1 ] || { usage >&2; exit 2; }
cmd=$1; shift
case "$cmd" in
  -h|--help|help) usage; exit 0 ;;
  server)
    [ $# -ge 1 ] || die "usage: $PROG server ws://127.0.0.1:PORT/path [-- CMD...]"
    url=$1; shift
    if [ $# -gt 0 ]; then [ "$1" = "--" ] || die "unexpected argument '$1' (use -- CMD...)"; shift; fi
    run_server "$url" "" "$@"; exit $? ;;
  client)
    [ $# -ge 1 ] || die "usage: $PROG client PORT [-- CMD...]"
    port=$1; shift
    if [ $# -gt 0 ]; then [ "$1" = "--" ] || die "unexpected argument '$1' (use -- CMD...)"; shift; fi
    run_client "$port" "" "$@"; exit $? ;;
  selftest) run_selftest; exit $? ;;
  install)
    choose_engine
    if [ "$ENGINE" = wstest ]; then "$PY2ENV/bin/wstest" -a 2>&1 | sed "s/^/$PROG: /" >&2
    else "$ENGINE_PY" -m pip show kosoku 2>/dev/null | sed -n "s/^Version: /$PROG: kosoku /p" >&2; fi
    say "python: $("$ENGINE_PY" -c 'import sys; print(sys.executable + " " + sys.version.split()[0])')"
    say "engine $ENGINE ready in $CACHE"; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac
