"""A webhook receiver that verifies every delivery with the reference `standardwebhooks`
package, for the end-to-end test. Prints its port, then appends one JSON line per request
to the file given: {"verified": bool, "webhook_id": str, "eval_id": str | null}.
Answers 204 when the signature verifies, 401 when it does not. Stops after 120 s."""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from standardwebhooks.webhooks import Webhook

secret, out_path = sys.argv[1], sys.argv[2]
webhook = Webhook(secret)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            payload = webhook.verify(body, headers)
            verified = True
        except Exception:  # the package raises its own error types
            payload, verified = None, False
        with open(out_path, "a", encoding="utf-8") as out:
            out.write(json.dumps({
                "verified": verified,
                "webhook_id": headers.get("webhook-id"),
                "eval_id": payload.get("eval_id") if isinstance(payload, dict) else None,
            }) + "\n")
        self.send_response(204 if verified else 401)
        self.end_headers()

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Timer(120, server.shutdown).start()
server.serve_forever()
