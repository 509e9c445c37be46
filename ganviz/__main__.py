"""`python -m ganviz COMMAND ...`: parses and dispatches, nothing else."""

from __future__ import annotations

import argparse
import importlib
import sys

# command name -> module under ganviz.cli (see ganviz/cli/__init__.py for the contract)
COMMANDS: dict[str, str] = {
    "toy": "ganviz.cli.toy",
    "sweep": "ganviz.cli.sweep",
    "train": "ganviz.cli.train",
    "sample": "ganviz.cli.sample",
    "ndb": "ganviz.cli.ndb",
    "eval": "ganviz.cli.eval",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one clear line, exit 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m ganviz",
        description="ganviz: see, teach and diagnose how GANs train.",
        epilog="Run `python -m ganviz COMMAND --help` for a command's options and examples.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue  # a command whose module is not built yet is simply not listed
        p = sub.add_parser(
            name,
            help=module.HELP,
            description=module.HELP,
            epilog="examples:\n" + module.EXAMPLES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    from ganviz.cli import UsageError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args._module.run(args) or 0)
    except (UsageError, ValueError, FileNotFoundError) as exc:
        print(f"ganviz {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"ganviz {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
