"""`python -m ganviz eval`: judge generated samples against real ones as the field does, each
number beside a real-vs-real baseline (the library: ganviz.judge.suite)."""

from __future__ import annotations

import argparse
import json
import math
import sys

HELP = ("Judge generated samples against real ones as the field does: FID, KID, Inception "
        "(classifier) score, precision / recall / density / coverage and NDB, each beside what "
        "real data scores against real data.")

EXAMPLES = """\
  python -m ganviz eval --gen mnist_dcgan --real mnist_dcgan --n 1000
      a shipped checkpoint against its reference set (1,000 held-out digits it never saw)
  python -m ganviz eval --gen fakes.npy --real mnist --n 1000 --json
      your own generated images (.npy) against MNIST's held-out split, as one JSON object
  python -m ganviz eval --gen samples/ --real real.npz --features pixels --metrics fid,kid,prdc,ndb
      a folder of PNGs against your own real .npz, on raw pixels (no classifier needed)
  python -m ganviz eval --gen gen_feats.npy --real real_feats.npy --features raw --bootstrap 200
      (n, d) feature vectors you extracted yourself, with 95% bootstrap intervals
--gen / --real take: a checkpoint name or folder (as --real: its held-out reference set);
mnist or fashion_mnist (as --real: the held-out split; as --gen: the training split); an
.npy / .npz of images (n, H, W[, C]) or of features (n, d); a folder or .zip of PNG / JPEG
files; a generator .keras file (loaded in safe mode). Without --n, as many generated samples
as the real set holds. Features: classifier (the shipped MNIST / Fashion-MNIST classifier, the
metric authors' advice for such data; numbers not comparable with Inception FIDs), pixels,
raw (arrays as given), inception (needs the Inception weights on disk)."""

METRIC_NAMES = ("fid", "kid", "is", "prdc", "ndb")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gen", required=True, metavar="G",
                        help="the generated samples (any input spec, see below)")
    parser.add_argument("--real", required=True, metavar="R",
                        help="the real samples they are judged against")
    parser.add_argument("--features", default="classifier", metavar="SPACE",
                        help="feature space: classifier (default), pixels, raw or inception")
    parser.add_argument("--metrics", default=",".join(METRIC_NAMES), metavar="LIST",
                        help=f"comma-separated, from {','.join(METRIC_NAMES)} (default: all)")
    parser.add_argument("--n", type=int, default=None, metavar="N",
                        help="samples per set (default: as many as the real set holds)")
    parser.add_argument("--k", type=int, default=5,
                        help="neighbours for precision / recall / density / coverage (default 5)")
    parser.add_argument("--kid-subsets", type=int, default=100, metavar="S",
                        help="KID's random subsets (default 100)")
    parser.add_argument("--kid-subset-size", type=int, default=None, metavar="M",
                        help="samples per KID subset (default 1000, or the smaller set if "
                             "it has fewer)")
    parser.add_argument("--bootstrap", type=int, default=0, metavar="B",
                        help="bootstrap resamples for 95%% intervals of FID and IS (default 0: "
                             "none)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of every random draw: samples, subsets, bins, resamples")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object instead of a table")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bars on stderr")
    parser.add_argument("--dataset", default=None, choices=("mnist", "fashion_mnist"),
                        help="what your images are, when neither set says (both your own "
                             "files): the classifier features and the baseline follow it")
    parser.add_argument("--write-card", action="store_true",
                        help="store the result (with this command) in the --gen checkpoint's "
                             "card.json, as the shipped checkpoints carry theirs")


def run(args: argparse.Namespace) -> int:
    from ganviz.cli import UsageError
    from ganviz.judge.features import FeaturesUnavailable
    from ganviz.judge.suite import EvalConfig, evaluate

    metrics = tuple(m.strip().lower() for m in args.metrics.split(",") if m.strip())
    # EvalConfig refuses unknown metrics and feature spaces before anything slow
    config = EvalConfig(metrics=metrics, features=args.features, n=args.n, k=args.k,
                        kid_subsets=args.kid_subsets, kid_subset_size=args.kid_subset_size,
                        bootstrap=args.bootstrap, seed=args.seed, dataset=args.dataset)
    bars = _Bars(enabled=not args.no_progress)
    try:
        card = evaluate(args.gen, args.real, config, progress=bars)
    except FeaturesUnavailable as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot read the input: {exc}") from None
    finally:
        bars.close()
    if args.write_card:
        _write_card(args, card.to_json())
    if args.json:
        print(json.dumps(card.to_json()))
    else:
        print_table(card)
    return 0


def _write_card(args: argparse.Namespace, result: dict) -> None:
    """The result and the command that made it, into the --gen checkpoint's card.json."""
    from ganviz import checkpoints
    from ganviz.cli import UsageError

    flags = {"--gen": args.gen, "--real": args.real, "--features": args.features,
             "--metrics": args.metrics, "--n": args.n, "--k": args.k,
             "--kid-subsets": args.kid_subsets, "--kid-subset-size": args.kid_subset_size,
             "--bootstrap": args.bootstrap, "--seed": args.seed, "--dataset": args.dataset}
    command = "python -m ganviz eval " + " ".join(
        f"{flag} {value}" for flag, value in flags.items() if value is not None)
    try:
        checkpoints.write_evaluation(args.gen, {**result, "command": command})
    except (checkpoints.CheckpointError, OSError) as exc:
        raise UsageError(f"--write-card needs --gen to be a checkpoint: {exc}") from None


class _Bars:
    """progress(stage, done, total) -> a tqdm bar per running stage on stderr."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bars: dict = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(total=total, desc=stage, file=sys.stderr, leave=False,
                                          dynamic_ncols=True)
        bar.update(done - bar.n)
        if done >= total:  # finished: the next step (or the baseline's turn) gets a fresh bar
            self.bars.pop(stage).close()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        self.bars.clear()


def print_table(card) -> None:
    """The scorecard as a table: metric, value (interval), baseline, better, meaning."""
    from ganviz.judge.suite import REPORTED

    print(f"{card.gen_source}  vs  {card.real_source}")
    baseline = ("none" if card.baseline is None
                else f"real vs real, {card.n_baseline} samples per side")
    print(f"features: {card.feature_label}; {card.n_gen} generated, {card.n_real} real; "
          f"baseline: {baseline}")
    print()
    print(f"{'metric':<10} {'generated':>24} {'real vs real':>13}  {'better':<7} meaning")
    for key, value in card.values.items():
        interval = card.intervals.get(key)
        shown = _number(value) + (f" [{_number(interval[0])}, {_number(interval[1])}]"
                                  if interval else "")
        base = "" if card.baseline is None else _number(card.baseline.get(key, math.nan))
        reported = REPORTED[key]
        print(f"{key:<10} {shown:>24} {base:>13}  {reported.better or '':<7} "
              f"{reported.meaning}")
    for note in card.notes:
        print(f"note: {note}")


def _number(x: float) -> str:
    if not math.isfinite(x):
        return "-"
    if abs(x) < 1e-12:  # round-off, e.g. KID_std when every subset is the whole set
        return "0"
    return f"{x:.4g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.2e}"
