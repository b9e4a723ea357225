"""Verifies the DKIM signature of a received message with dkimpy, an implementation
independent of paperboy's (lettre). The public key is given instead of looked up in DNS.

Run as: python dkim_verify.py MESSAGE_FILE PUBLIC_KEY_BASE64
Exits 0 when the signature verifies, 1 otherwise (printing why).
"""

import sys

import dkim


def main():
    path, public_key = sys.argv[1], sys.argv[2]
    raw = open(path, "rb").read()
    # The test SMTP server prepends the envelope recipients; they are not part of the message.
    if raw.startswith(b"X-Envelope-To:"):
        raw = raw.split(b"\r\n", 1)[1]
    record = b"v=DKIM1; k=rsa; p=" + public_key.encode()

    def dnsfunc(name, timeout=5):
        return record

    import logging

    logging.basicConfig(level=logging.DEBUG, stream=sys.stdout)
    verifier = dkim.DKIM(raw, logger=logging.getLogger("dkim"))
    ok = verifier.verify(dnsfunc=dnsfunc)
    if not ok:
        print("DKIM verification failed:", verifier.logger if hasattr(verifier, "logger") else "")
        sys.exit(1)
    print("ok", verifier.domain.decode(), verifier.selector.decode())


if __name__ == "__main__":
    main()
