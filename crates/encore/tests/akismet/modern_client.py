"""Drives an Encore spam server with the PyPI `akismet` client (25.x), unchanged but for its API URL.

Usage: python modern_client.py SERVER_URL API_KEY
Exits non-zero with a message on the first answer that is not what Akismet would give.
"""
import sys

import akismet
import akismet._common

server, key = sys.argv[1], sys.argv[2]
blog = "https://blog.example"
# The only change: the library's API address points at the local server instead of rest.akismet.com.
akismet._common._API_URL = server

config = akismet.Config(key=key, url=blog)
client = akismet.SyncClient.validated_client(config=config)
assert client.verify_key(key, blog) is True, "verify-key with the issued key"
assert client.verify_key("0000not-a-key", blog) is False, "verify-key with an unknown key"

reader = dict(
    user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
    comment_type="comment",
    comment_author="Jo",
    comment_author_email="jo@example.org",
    comment_content="The synth solo on the second track is wonderful, thanks for the write-up!",
    permalink=blog + "/2026/11/rocky-iv",
    blog_lang="en",
    blog_charset="UTF-8",
)
ip = "198.51.100.23"

checks = {
    "test author": (dict(reader, comment_author="viagra-test-123"), (akismet.CheckResponse.SPAM, akismet.CheckResponse.DISCARD)),
    "test email": (dict(reader, comment_author_email="akismet-guaranteed-spam@example.com"), (akismet.CheckResponse.SPAM, akismet.CheckResponse.DISCARD)),
    "administrator": (dict(reader, user_role="administrator", comment_content="free casino bonus, cheap pills"), (akismet.CheckResponse.HAM,)),
    "reader's comment": (reader, (akismet.CheckResponse.HAM,)),
    "real spam": (dict(reader, comment_author="Cheap Pills", comment_content="WIN a FREE prize! Cheap viagra online, casino bonus free spins, call 09061701461 now http://pills.example"), (akismet.CheckResponse.SPAM, akismet.CheckResponse.DISCARD)),
    "is_test": (dict(reader, is_test=True), (akismet.CheckResponse.HAM,)),
}
for name, (kwargs, expected) in checks.items():
    answer = client.comment_check(ip, **kwargs)
    assert answer in expected, f"{name}: got {answer!r}, expected one of {expected!r}"

pitch = dict(reader, comment_author="Studio Deals", comment_content="Our studio offers mixing and mastering packages for your next album at low rates")
assert client.comment_check(ip, **pitch) == akismet.CheckResponse.HAM, "a polite pitch passes the base model"
assert client.submit_spam(ip, **pitch) is True, "submit-spam"
assert client.comment_check(ip, **pitch) in (akismet.CheckResponse.SPAM, akismet.CheckResponse.DISCARD), "learned from submit-spam"
assert client.submit_ham(ip, **reader) is True, "submit-ham"

usage = client.usage_limit()
assert usage["usage"] >= 8 and usage["limit"] == "none" and usage["throttled"] is False, usage

bad = akismet.SyncClient(config=akismet.Config(key="0000not-a-key", url=blog))
try:
    bad.comment_check(ip, **reader)
except akismet.APIKeyError:
    pass
else:
    raise AssertionError("an unknown key must be answered invalid")
print("modern akismet client: all answers as expected")
