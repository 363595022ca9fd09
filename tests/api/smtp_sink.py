"""A real SMTP server for the notification tests (aiosmtpd): it accepts AUTH PLAIN/LOGIN for one
user without TLS, and appends each message it receives to a JSON-lines file. It listens on the
port given until its standard input closes."""

import json
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Sink:
    def __init__(self, path):
        self.path = path

    async def handle_DATA(self, server, session, envelope):
        login = session.auth_data.login.decode() if session.auth_data else None
        record = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "login": login,
            "data": envelope.content.decode("utf-8", "replace"),
        }
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        return "250 OK"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    return check


def main():
    port, path, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    controller = Controller(
        Sink(path),
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator(user, password),
        auth_require_tls=False,
    )
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
