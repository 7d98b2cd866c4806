#!/usr/bin/env bash
# Post-deploy smoke test (the pipeline runs it against staging): the API is live and ready,
# and a small packet goes through it. Needs API_URL and SMOKE_API_KEY (a write key of a
# dedicated smoke-test account). The packet's campaign stays a draft and the packet is
# cancelled at the end, so nothing is ever sent.
set -euo pipefail
: "${API_URL:?set API_URL}" "${SMOKE_API_KEY:?set SMOKE_API_KEY}"
curl_() { curl --fail-with-body --silent --show-error "$@"; }
json() { python3 -c "import json, sys; data = json.load(sys.stdin); $1"; }

curl_ --retry 5 --retry-all-errors "$API_URL/v1/health" >/dev/null
curl_ --retry 10 --retry-all-errors "$API_URL/v1/ready" >/dev/null
echo "health and readiness: ok"

auth="Authorization: Bearer $SMOKE_API_KEY"
campaign=$(curl_ -H "$auth" -H 'Content-Type: application/json' -H 'Idempotency-Key: smoke-campaign-v1' \
  -d '{"name": "pipeline smoke test", "kind": "reminder", "channel": "email",
       "steps": [{"name": "day before", "offset_minutes": -1440,
                  "template": "Smoke test {{ first_name }}", "subject": "Smoke test"}]}' \
  "$API_URL/v1/campaigns" | json 'assert data["status"] == "draft", data; print(data["id"])')

run="${CODEBUILD_BUILD_NUMBER:-$(date +%s)}"
# an appointment 300 days ahead: inside the accepted range (up to two years), its reminder far
# enough out that the packet is cancelled long before anything could be sent
when=$(python3 -c 'import datetime as d; print((d.date.today() + d.timedelta(days=300)).isoformat())')
body=$(printf 'customer_id,first_name,email,appointment_id,appointment_at\nsmoke-1,Smoke,smoke@example.com,smoke-%s,%sT10:00:00\n' "$run" "$when")
packet=$(curl_ -H "$auth" -H 'Content-Type: text/csv' -H "Idempotency-Key: smoke-packet-$run" \
  --data-binary "$body" "$API_URL/v1/campaigns/$campaign/packets" \
  | json 'r = data["rows"]; assert (r["submitted"], r["accepted"], r["rejected"]) == (1, 1, 0), data; print(data["id"])')
curl_ -H "$auth" "$API_URL/v1/packets/$packet" | json 'assert data["messages_planned"] == 1, data'
curl_ -X POST -H "$auth" "$API_URL/v1/packets/$packet/cancel" | json 'assert data["status"] == "cancelled", data'
echo "packet $packet through campaign $campaign: loaded, planned, cancelled"
