#!/usr/bin/env bash
# Beyond loopback the HTTP API needs an operator's bearer token (enroll --operator NAME --token):
# without one or with a revoked one, 401; /healthz stays open for load balancers.
. "$(dirname "$0")/lib.sh"
collector_init
collector_start --http 0.0.0.0:0
HTTP=$(sed -n 's/^http=//p' "$T/data/endpoints")
code() { # $1 = path, $2 = token (optional)
    python3 - "$HTTP" "$1" "${2:-}" <<'PY'
import sys, urllib.request, urllib.error
req = urllib.request.Request("http://" + sys.argv[1] + sys.argv[2])
if sys.argv[3]:
    req.add_header("Authorization", "Bearer " + sys.argv[3])
try:
    print(urllib.request.urlopen(req, timeout=10).status)
except urllib.error.HTTPError as e:
    print(e.code, e.headers.get("WWW-Authenticate", ""))
PY
}
[ "$(code /healthz)" = 200 ] || fail "/healthz needs no token"
code /metrics | grep -q '^401 Bearer realm="tiendo"' || fail "/metrics without a token: $(code /metrics)"
code /api/v1/summary | grep -q '^401' || fail "/api without a token"
token=$("$COLLECTOR" enroll --data "$T/data" --operator lan --token)
[ ${#token} = 64 ] || fail "token: $token"
[ "$(code /metrics "$token")" = 200 ] || fail "/metrics with a token: $(code /metrics "$token")"
[ "$(code /api/v1/summary "$token")" = 200 ] || fail "/api with a token"
# The token with its last hex digit changed (to another digit, whatever it was).
wrong=${token%?}$([ "${token: -1}" = 0 ] && echo 1 || echo 0)
[ "$wrong" != "$token" ] || fail "test: the wrong token equals the token"
code /metrics "$wrong" | grep -q '^401' || fail "a wrong token was accepted"
! grep -qF "$token" "$T"/data/* "$T/collector.log" 2>/dev/null || fail "the token is stored or logged in clear"
# A token is not a CURVE key: it never completes a handshake (the ZAP handler refuses its role).
"$COLLECTOR" keys --data "$T/data" --json | python3 -c '
import json, sys; k = [x for x in json.load(sys.stdin)["keys"] if x["role"] == "token"]; assert len(k) == 1, k'
"$COLLECTOR" revoke --data "$T/data" --operator lan >/dev/null
code /metrics "$token" | grep -q '^401' || fail "a revoked token was accepted"
echo "t1610 passed"
