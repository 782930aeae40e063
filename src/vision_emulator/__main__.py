"""``python -m vision_emulator``: serve the emulator on loopback until interrupted."""

import argparse
import logging
import sys

from .app import create_app, make_emulator_server, server_url
from .backend import (DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET,
                      DEFAULT_TOKEN_LIFETIME_SECONDS)

log = logging.getLogger("vision_emulator")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m vision_emulator",
                                     description="Serve the Cofense Vision emulator.")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address")
    parser.add_argument("--port", type=int, default=8780)
    parser.add_argument("--eml-dir", help="also ingest every .eml file of this folder")
    parser.add_argument("--no-samples", action="store_true",
                        help="leave out the seeded messages (use with --eml-dir)")
    parser.add_argument("--token-lifetime", type=int,
                        default=DEFAULT_TOKEN_LIFETIME_SECONDS, help="seconds")
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    parser.add_argument("--fault", action="append", default=[], metavar="SPEC",
                        help="e.g. 'GET /api/v4/searches/*=503,count=2' (repeatable)")
    parser.add_argument("--debug", action="store_true", help="log lifecycle events too")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        app = create_app(
            faults=args.fault, client_id=args.client_id,
            client_secret=args.client_secret, token_lifetime=args.token_lifetime,
            eml_dir=args.eml_dir, include_samples=not args.no_samples,
        )
        server = make_emulator_server(args.host, args.port, app)
    except (ValueError, OSError) as exc:
        print(f"vision_emulator: {exc}", file=sys.stderr)
        return 2

    backend = app.extensions["vision_emulator"].backend
    url = server_url(args.host, server.server_port)
    print(f"Cofense Vision emulator on {url} "
          f"(client id {backend.client_id}, {len(backend.mailbox.messages)} messages); "
          "Ctrl+C stops it.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.debug("Interrupted; stopping")
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
