"""`mtaudit` command line: parses arguments and calls the library; no audit logic here."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK, EXIT_USAGE = 0, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mtaudit",
        description="Audit machine-translated news for translation and scraping artifacts.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", help="audit a corpus and write findings, scores, a repair queue")
    run.add_argument("corpus", nargs="+", help="folder, text/HTML file, or JSONL/CSV/Parquet table")
    run.add_argument("--out", required=True, help="output folder (created if missing)")
    run.add_argument("--config", help="TOML configuration file")
    run.add_argument("--jobs", type=int, default=1, help="parallel worker processes (default 1)")
    run.add_argument("--lang", help="target language of the translations (default en)")
    run.add_argument("--detectors", help="comma-separated subset of detectors to run")
    run.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    run.add_argument("-v", "--verbose", action="store_true", help="debug logging")

    diag = sub.add_parser("diagnose", help="per-detector hit counts on a corpus (to tune thresholds)")
    diag.add_argument("corpus", nargs="+")
    diag.add_argument("--config", help="TOML configuration file")
    diag.add_argument("--lang", help="target language (default en)")
    diag.add_argument("--dump", metavar="DETECTOR", help="also list what this detector flagged")
    diag.add_argument("--limit", type=int, default=20, help="how many findings --dump lists")

    sub.add_parser("detectors", help="list the detectors, their categories and options")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from audit import __version__

        print(f"mtaudit {__version__}")
        return EXIT_OK
    if args.command == "run":
        return _run(args, parser)
    if args.command == "detectors":
        return _list_detectors()
    if args.command == "diagnose":
        return _diagnose(args)
    parser.print_help()
    return EXIT_USAGE


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from audit import Config, ConfigError, InputError, run
    from audit.detectors import DETECTORS
    from audit.output import render_summary

    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    out = Path(args.out)
    problem = _unwritable(out)
    if problem:
        print(f"mtaudit: error: cannot write to output folder {out}: {problem}", file=sys.stderr)
        return EXIT_USAGE
    detectors = None
    if args.detectors:
        detectors = [d.strip() for d in args.detectors.split(",") if d.strip()]
        unknown = [d for d in detectors if d not in DETECTORS]
        if unknown:
            parser.error(f"unknown detector(s) {', '.join(unknown)}; known: {', '.join(DETECTORS)}")
    try:
        config = Config.load(args.config, lang=args.lang)
        result = run(args.corpus, config, out=out, jobs=args.jobs, detectors=detectors,
                     progress=not args.quiet)
    except (ConfigError, InputError) as exc:
        print(f"mtaudit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"mtaudit: error: cannot write output to {out}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not args.quiet:
        render_summary(result, out)
    return EXIT_OK


def _diagnose(args: argparse.Namespace) -> int:
    from audit import Config, ConfigError, InputError, run
    from audit.output import diagnostics

    try:
        result = run(args.corpus, Config.load(args.config, lang=args.lang))
    except (ConfigError, InputError) as exc:
        print(f"mtaudit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(diagnostics(result, dump=args.dump, limit=args.limit))
    return EXIT_OK


def _unwritable(out: Path) -> str | None:
    if out.exists() and not out.is_dir():
        return "it exists and is not a folder"
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        return f"{probe} is not writable"
    return None


def _list_detectors() -> int:
    from audit.config import detector_options
    from audit.detectors import DETECTORS, detector_class

    for name in DETECTORS:
        cls = detector_class(name)
        opts = ", ".join(detector_options(name)) or "-"
        print(f"{name:14} v{cls.version}  categories: {', '.join(cls.categories)}  options: {opts}")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
