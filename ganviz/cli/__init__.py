"""Command-line commands. Each module exposes HELP, EXAMPLES, add_arguments(parser) and
run(args) -> int; `ganviz.__main__` only parses and dispatches. Modules import heavy
libraries (TensorFlow) inside run(), so `python -m ganviz --help` stays fast."""


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit code 2."""
