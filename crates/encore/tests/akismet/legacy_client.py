"""Drives an Encore spam server with the PyPI `akismet` 1.0.1 client, which puts the key in the host name
(`KEY.rest.akismet.com`). Its requests go through an HTTP proxy — the Encore server itself — so the server sees
the key only as the subdomain of the Host header, as a proxy in front of Akismet would pass it on.

Usage: python legacy_client.py SERVER_URL API_KEY
"""
import os
import sys

server, key = sys.argv[1], sys.argv[2]
os.environ["HTTP_PROXY"] = server
os.environ["http_proxy"] = server
os.environ["NO_PROXY"] = ""
os.environ["no_proxy"] = ""

import akismet  # noqa: E402  (after the proxy settings)

# The only change: plain HTTP, since the local server has no TLS certificate.
for name in ("COMMENT_CHECK_URL", "SUBMIT_HAM_URL", "SUBMIT_SPAM_URL", "VERIFY_KEY_URL"):
    setattr(akismet.Akismet, name, getattr(akismet.Akismet, name).replace("https://", "http://"))

blog = "https://blog.example"
client = akismet.Akismet(key=key, blog_url=blog)  # verifies the key, or raises
ua = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
ip = "198.51.100.23"
assert client.comment_check(ip, ua, comment_author="viagra-test-123", comment_content="hello") is True
assert client.comment_check(ip, ua, comment_author="Jo", comment_content="Lovely write-up about the soundtrack, thank you!") is False
assert client.comment_check(ip, ua, comment_author="Jo", user_role="administrator", comment_content="cheap pills casino") is False
assert client.submit_spam(ip, ua, comment_author="Pills", comment_content="cheap pills and casino bonus here") is True
assert client.submit_ham(ip, ua, comment_author="Jo", comment_content="Lovely write-up about the soundtrack") is True
try:
    akismet.Akismet(key="0000not-a-key", blog_url=blog)
except akismet.APIKeyError:
    pass
else:
    raise AssertionError("an unknown key must be refused")
print("legacy akismet client (key as subdomain): all answers as expected")
