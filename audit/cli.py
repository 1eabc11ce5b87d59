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
    run.add_argument("--no-report", action="store_true", help="do not write the HTML report (DIR/report/)")
    run.add_argument("--engine", choices=("local", "ray"), default="local",
                     help="where the work runs: this machine (--jobs processes) or a Ray cluster")
    run.add_argument("--ray-address", metavar="ADDR",
                     help="Ray cluster to join with --engine ray (default: $RAY_ADDRESS, else a local one)")
    run.add_argument("--resume", action="store_true",
                     help="continue an interrupted run from DIR's checkpoints; unchanged documents are not "
                          "audited again")
    mt = run.add_argument_group("back-translation (fidelity through an MT engine)")
    mt.add_argument("--backtranslate", choices=("none", "bergamot", "transformers", "apertium"),
                    help="MT engine for round trips / source-aware fidelity (default none; bergamot "
                         "is embedded and offline: EN<->PT)")
    mt.add_argument("--pivot", help="round-trip pivot language (default: bergamot pt, apertium es)")
    mt.add_argument("--mt-model", help="transformers model: hub id, local path, template with "
                                       "{src}/{tgt}, or 'en-pt=PATH,pt-en=PATH'")
    mt.add_argument("--mt-batch-size", type=int, help="sentences per MT batch (default 32)")
    mt.add_argument("--mt-device", help="auto, cpu, cuda or cuda:N (transformers; default auto)")
    mt.add_argument("--mt-cache", help="translation cache file, or 'off' "
                                       "(default $MTAUDIT_CACHE or ~/.cache/mtaudit/translations.sqlite)")
    mt.add_argument("--sample", help="round-trip only N sentences per document, or 'suspicious' "
                                     "(sentences with rule findings or unknown words); default all")
    mt.add_argument("--source-dir", help="folder of original (source-language) articles matched to "
                                         "the corpus by file name: source-aware fidelity")
    mt.add_argument("--source-lang", help="language of the --source-dir files (default: detected)")
    run.add_argument("-v", "--verbose", action="store_true", help="debug logging")

    diag = sub.add_parser("diagnose", help="per-detector hit counts on a corpus (to tune thresholds)")
    diag.add_argument("corpus", nargs="+")
    diag.add_argument("--config", help="TOML configuration file")
    diag.add_argument("--lang", help="target language (default en)")
    diag.add_argument("--dump", metavar="DETECTOR", help="also list what this detector flagged")
    diag.add_argument("--limit", type=int, default=20, help="how many findings --dump lists")

    sub.add_parser("detectors", help="list the detectors, their categories and options")

    rep = sub.add_parser("report", help="(re)write the HTML report of a finished run: DIR/report/")
    rep.add_argument("dir", help="output folder of `mtaudit run`")

    apply = sub.add_parser("apply", help="apply a reviewer's decisions.json to a copy of the corpus")
    apply.add_argument("decisions", help="decisions.json exported from the HTML report")
    apply.add_argument("--corpus", nargs="+", required=True, help="the corpus the audit read")
    apply.add_argument("--out", required=True, help="folder for repaired copies and diffs")

    fix = sub.add_parser("fix", help="apply only high-confidence fixes, without a human")
    fix.add_argument("corpus", nargs="+")
    fix.add_argument("--out", required=True, help="folder for repaired copies and diffs")
    fix.add_argument("--safe", action="store_true", help="required: only fixes safe without review "
                     "(fused words, boilerplate lines, fused caption credits, duplicated titles)")
    fix.add_argument("--min-confidence", type=float, default=0.8, help="default 0.8")
    fix.add_argument("--config", help="TOML configuration file")
    fix.add_argument("--jobs", type=int, default=1)
    fix.add_argument("--quiet", action="store_true", help="no progress bar")
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
    if args.command == "report":
        return _report(args)
    if args.command == "apply":
        return _apply(args)
    if args.command == "fix":
        if not args.safe:
            parser.error("fix needs --safe: other fixes go through the report and `mtaudit apply`")
        return _fix(args)
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
    from audit.execution import ExecutorUnavailable
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
        config = Config.load(args.config, lang=args.lang, backtranslate=_mt_overrides(args, parser))
        result = run(args.corpus, config, out=out, jobs=args.jobs, detectors=detectors,
                     progress=not args.quiet, source_dir=args.source_dir, report=not args.no_report,
                     resume=args.resume, engine=args.engine, address=args.ray_address)
    except (ConfigError, InputError, ExecutorUnavailable) as exc:
        print(f"mtaudit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"mtaudit: error: cannot write output to {out}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not args.quiet:
        render_summary(result, out)
        if "report" in result.run_info:
            print(f"report: {result.run_info['report']}", file=sys.stderr)
    skipped = result.run_info.get("backtranslate", {}).get("skipped")
    if skipped:
        print(f"mtaudit: warning: back-translation skipped: {skipped}", file=sys.stderr)
    return EXIT_OK


def _mt_overrides(args: argparse.Namespace, parser: argparse.ArgumentParser) -> dict[str, object]:
    sample: int | str | None = args.sample
    if sample is not None and sample != "suspicious":
        if not str(sample).isdigit():
            parser.error(f"--sample {sample}: give a number of sentences per document or 'suspicious'")
        sample = int(sample)
    if args.mt_batch_size is not None and args.mt_batch_size < 1:
        parser.error("--mt-batch-size must be at least 1")
    if args.source_dir and not args.backtranslate:
        args.backtranslate = "bergamot"
    values = {"engine": args.backtranslate, "pivot": args.pivot, "model": args.mt_model,
              "batch_size": args.mt_batch_size, "device": args.mt_device, "cache": args.mt_cache,
              "sample": sample, "source_lang": args.source_lang}
    return {k: v for k, v in values.items() if v is not None}


def _report(args: argparse.Namespace) -> int:
    from audit.report import render_report

    out = Path(args.dir)
    if not (out / "documents.parquet").is_file():
        print(f"mtaudit: error: {out} holds no finished run (documents.parquet missing)", file=sys.stderr)
        return EXIT_USAGE
    print(render_report(out))
    return EXIT_OK


def _apply(args: argparse.Namespace) -> int:
    from audit import InputError
    from audit.repair import RepairError, apply_decisions

    try:
        summary = apply_decisions(args.decisions, args.corpus, args.out)
    except (RepairError, InputError) as exc:
        print(f"mtaudit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"mtaudit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    _print_repair(summary, args.out)
    return EXIT_OK


def _fix(args: argparse.Namespace) -> int:
    from audit import Config, ConfigError, InputError
    from audit.repair import RepairError, safe_fix

    try:
        summary = safe_fix(args.corpus, args.out, Config.load(args.config),
                           min_confidence=args.min_confidence, jobs=args.jobs, progress=not args.quiet)
    except (RepairError, InputError, ConfigError) as exc:
        print(f"mtaudit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    _print_repair(summary, args.out)
    return EXIT_OK


def _print_repair(summary: object, out: str) -> None:
    totals = summary.to_dict()["totals"]  # type: ignore[attr-defined]
    print(f"{totals['changed']} of {totals['documents']} document(s) repaired: {totals['applied']} "
          f"change(s) applied, {totals['skipped']} skipped, {totals['rejected']} rejected; a full copy of "
          f"the corpus is in {out}, diffs in {Path(out) / 'diffs'}, details in {Path(out) / 'repair.json'}",
          file=sys.stderr)


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
