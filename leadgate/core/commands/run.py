"""``leadgate run BUNDLE``: serve a bundle with uvicorn."""

from __future__ import annotations

import argparse
import logging
import os
import socket
from pathlib import Path

from leadgate.config.loader import load_bundle
from leadgate.config.settings import Settings
from leadgate.core.crypto import KeyRing
from leadgate.core.store.engine import data_dir_for
from leadgate.errors import ConfigError
from leadgate.locales import text as t

BUNDLE_ENV = "LEADGATE_BUNDLE"
PUBLIC_URL_ENV = "LEADGATE_PUBLIC_URL"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run`` command."""
    parser = subparsers.add_parser("run", help=t("cli.run_help"))
    parser.add_argument("bundle", help=t("cli.bundle_help"))
    parser.add_argument("--host", default="127.0.0.1", help=t("cli.host_help"))
    parser.add_argument("--port", type=int, default=8000, help=t("cli.port_help"))
    parser.add_argument("--ssl-certfile", help=t("cli.cert_help"))
    parser.add_argument("--ssl-keyfile", help=t("cli.key_help"))
    parser.add_argument("--workers", type=int, default=1, help=t("cli.workers_help"))
    parser.add_argument("--public-url", help=t("cli.public_url_help"))
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Check the options, make sure the key ring exists, and start uvicorn."""
    import uvicorn

    settings = Settings()
    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        raise ConfigError(t("cli.tls_pair"))
    if args.workers > 1 and not settings.database_url:
        raise ConfigError(t("cli.workers_sqlite", workers=args.workers))

    _check_port_free(args.host, args.port)
    bundle = Path(args.bundle).absolute()
    # Validate before announcing anything, so a broken bundle ends with its errors
    # and exit status 1 instead of a server that fails inside uvicorn.
    load_bundle(bundle)
    keyring = KeyRing.load(data_dir_for(bundle, settings), settings)
    if keyring.created_path is not None:
        print(t("cli.key_created", path=keyring.created_path))

    scheme = "https" if args.ssl_certfile else "http"
    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104
    public_url = args.public_url or f"{scheme}://{shown_host}:{args.port}"
    os.environ[BUNDLE_ENV] = str(bundle)
    os.environ[PUBLIC_URL_ENV] = public_url
    logging.getLogger("leadgate").setLevel(logging.INFO)
    print(t("cli.serving", bundle=bundle.name, url=public_url), flush=True)
    uvicorn.run(
        "leadgate.core.app:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
        log_level="info",
    )
    return 0


def _check_port_free(host: str, port: int) -> None:
    """Fail before announcing the chat address when another program holds the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise ConfigError(t("cli.port_busy", host=host, port=port, next=port + 1)) from error
