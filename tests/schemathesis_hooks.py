"""What schemathesis generates for the definition's string formats that JSON Schema cannot
spell out: a phone number (E.164 or national in the account's country, by numbering plan), an
email address (RFC 5321, no reserved domain), an IANA timezone name, an http(s) URL. The
server checks each by its real rules; these strategies generate values those rules accept, so
positive_data_acceptance holds the server to accepting every valid value the definition
describes. Loaded by tests/schemathesis.toml."""

from __future__ import annotations

import zoneinfo

import schemathesis
from hypothesis import strategies as st

# numbers in the US plan's fictional 555-01xx block and real area codes: valid, never anyone's
PHONES = st.builds(
    "{}{}555-01{:02d}".format,
    st.sampled_from(["+1 ", "", "1-"]),
    st.sampled_from(["312-", "(212) ", "415 ", "617-"]),
    st.integers(0, 99),
)
EMAILS = st.builds(
    "{}@{}.{}".format,
    st.from_regex(r"[a-z][a-z0-9._+-]{0,20}[a-z0-9]", fullmatch=True).filter(
        lambda s: ".." not in s
    ),
    st.from_regex(r"[a-z][a-z0-9-]{0,15}[a-z0-9]", fullmatch=True),
    st.sampled_from(["com", "org", "net", "clinic", "de"]),
)
TIMEZONES = st.sampled_from(
    sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc/"))
)
URLS = st.builds(
    "{}://{}.example.com/{}".format,
    st.sampled_from(["https", "http"]),
    st.from_regex(r"[a-z][a-z0-9-]{0,20}[a-z0-9]", fullmatch=True),
    st.from_regex(r"[a-z0-9/_-]{0,30}", fullmatch=True),
)

schemathesis.openapi.format("phone", PHONES)
schemathesis.openapi.format("email", EMAILS)
schemathesis.openapi.format("iana-timezone", TIMEZONES)
schemathesis.openapi.format("http-url", URLS)
