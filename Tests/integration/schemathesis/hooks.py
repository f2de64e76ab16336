"""Value generators for the custom string formats of docs/openapi.yaml, so that schemathesis's
"valid data is accepted" check sends what the rules describe (rules a JSON Schema cannot state:
cursors only the server makes, grapheme counts, URL hosts) instead of arbitrary strings the
server rightly refuses. Loaded through SCHEMATHESIS_HOOKS by test_schemathesis.py."""
import base64

import schemathesis
from hypothesis import strategies as st


def b64url(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


ids = st.integers(min_value=1, max_value=2**63 - 1)
timestamps = st.builds(lambda d, us: f"2026-{d:02d}-01 12:00:00.{us:06d}+00",
                       st.integers(1, 12), st.integers(0, 999_999))

schemathesis.openapi.format("conversation-cursor", st.builds(lambda t, i: b64url(f"{t}|{i}"), timestamps, ids))
schemathesis.openapi.format("search-cursor", st.builds(lambda r, i: b64url(f"{r}:{i}"), st.integers(0, 2), ids))
schemathesis.openapi.format("directory-cursor", st.builds(lambda k, i, key: b64url(f"{k}|{i}|{key}"),
                                                          st.integers(1, 2), ids, st.text("abcdefghij ", max_size=20)))

# Visible text: letters of several scripts, digits, punctuation, emoji; inner spaces and newlines.
visible = st.sampled_from(list("abcXYZ0129ñéüßжщ日本語안녕") + ["😀", "👍🏽", "👨‍👩‍👧", "🇦🇷"])
inner = st.one_of(visible, st.sampled_from([" ", ",", ".", "!", "¿", "\n"]))
schemathesis.openapi.format("display-text", st.builds(lambda first, rest: first + "".join(rest),
                                                      visible, st.lists(inner, max_size=60)))
schemathesis.openapi.format("message-text", st.builds(lambda first, rest: first + "".join(rest),
                                                      visible, st.lists(inner, max_size=300)))

hosts = st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z]{2,6}){1,2}\Z")
paths = st.from_regex(r"\A(/[A-Za-z0-9._~%!$&'()*+,;=:@-]{0,30}){0,4}(\?[A-Za-z0-9=&]{0,20})?\Z")
schemathesis.openapi.format("http-url", st.builds(lambda scheme, host, path: f"{scheme}://{host}{path}",
                                                  st.sampled_from(["http", "https", "HTTPS"]), hosts, paths))
