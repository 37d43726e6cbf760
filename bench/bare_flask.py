"""Baseline server: a bare Flask JSON route on the same WSGI server the doubles use."""

from __future__ import annotations

import json
import sys

from flask import Flask, Response
from waitress import serve

DOCUMENT = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {"job_id": "x"}


def main() -> None:
    app = Flask("bare")

    @app.get("/jobs/<job_id>")
    def job(job_id: str):  # a JSON route that serialises its document per request
        return Response(json.dumps({**DOCUMENT, "job_id": job_id}), mimetype="application/json")

    serve(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        threads=8,
        ident="bare",
        asyncore_use_poll=True,
        _quiet=True,
    )


if __name__ == "__main__":
    main()
