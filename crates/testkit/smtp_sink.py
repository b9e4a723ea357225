"""An aiosmtpd handler for paperboy's tests: writes each received message to a folder.

Run as: python -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_sink.Sink FOLDER

Recipients steer failures, so that tests can provoke them:
  - a local part containing "bounce" is refused with 550 (permanent);
  - a local part containing "tempfail" is refused with 451 the first time it is seen
    (temporary), then accepted;
  - a local part containing "hold" is, the first time it is seen, held without an answer until
    the client disconnects, after writing `<recipient>.held` to the folder: a test waits for
    that file and kills the client at a known point, mid-run (the same recipient is accepted
    on the next try).
A message is written only once accepted, atomically (temporary name, then rename), so a
reader never sees half a file, and a client killed while held leaves no message behind.
"""

import asyncio
import os
import time


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.seen_tempfail = set()
        self.seen_hold = set()
        self.counter = 0
        os.makedirs(folder, exist_ok=True)

    @classmethod
    def from_cli(cls, parser, *args):
        if not args:
            parser.error("smtp_sink.Sink needs a folder")
        return cls(args[0])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if "bounce" in local:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if "tempfail" in local and address not in self.seen_tempfail:
            self.seen_tempfail.add(address)
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        held = [a for a in envelope.rcpt_tos if "hold" in a.split("@", 1)[0].lower()]
        fresh = [a for a in held if a not in self.seen_hold]
        if fresh:
            self.seen_hold.update(fresh)
            open(os.path.join(self.folder, fresh[0] + ".held"), "w").close()
            # Cancelled with the session when the client disconnects: nothing is written.
            while not (server.transport is None or server.transport.is_closing()):
                await asyncio.sleep(0.05)
        if server.transport is None or server.transport.is_closing():
            return "421 4.3.0 connection lost"
        self.counter += 1
        name = "%d-%06d.eml" % (time.time_ns(), self.counter)
        tmp = os.path.join(self.folder, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(("X-Envelope-To: %s\r\n" % ", ".join(envelope.rcpt_tos)).encode())
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(self.folder, name))
        return "250 Message accepted for delivery"
