"""`python -m ganviz ndb`: NDB and JS of query samples against bins fitted on training samples."""

from __future__ import annotations

import argparse
import importlib
import json
import sys

HELP = ("NDB mode-collapse score: compare query samples with training samples bin by bin "
        "(Richardson & Weiss 2018).")

EXAMPLES = """\
  python -m ganviz ndb --train real.npy --query fake.npy --bins 100 --z-threshold 4
  python -m ganviz ndb --train real.npy --query fake.npy --bins 7 --alpha 0.01 --json
  python -m ganviz ndb --checkpoint fashion_dcgan --n 10000 --bins 100 --whiten
Arrays are .npy of shape (n, ...), flattened per sample; uint8 arrays are scaled to [0, 1]
so uint8 images can be compared with float images in [0, 1]."""

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--train", metavar="A.npy",
                        help="training samples (n, ...); with --checkpoint, defaults to its "
                             "reference images")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--query", metavar="B.npy", help="query (e.g. generated) samples (m, ...)")
    source.add_argument("--checkpoint", metavar="NAME",
                        help="generate the query samples from this checkpoint (name or path)")
    parser.add_argument("--n", type=int, default=10000,
                        help="samples to generate with --checkpoint (default 10000)")
    parser.add_argument("--bins", type=int, required=True, metavar="K",
                        help="number of k-means bins K, at least 2 (the authors use 100; the "
                             "seed article 7)")
    test = parser.add_mutually_exclusive_group()
    test.add_argument("--alpha", type=float, default=0.05,
                      help="a bin differs if its two-sided p-value < alpha (default 0.05)")
    test.add_argument("--z-threshold", type=float, default=None, metavar="Z",
                      help="instead, a bin differs if |z| > Z (the authors' MNIST demo uses 4)")
    parser.add_argument("--whiten", action="store_true",
                        help="standardise each dimension by the training mean and std before "
                             "binning")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of k-means++ and of the latent vectors with --checkpoint "
                             "(default 0)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object instead of a summary")


def run(args: argparse.Namespace) -> int:
    from ganviz.cli import UsageError
    from ganviz.eval.ndb import check_k, check_significance, evaluate, fit_bins, flatten_samples

    check_significance(args.alpha, args.z_threshold)  # fail fast: before loading and fitting
    check_k(args.bins, n_train=args.bins)
    if args.query is None and args.checkpoint is None:
        raise UsageError("give the query samples: --query B.npy, or --checkpoint NAME --n N")
    if args.checkpoint is not None:
        query, reference = _generate(args.checkpoint, args.n, args.seed)
        query_name = f"{args.n} samples from checkpoint {args.checkpoint}"
        if args.train is not None:
            train, train_name = _load(args.train), args.train
        else:
            train, train_name = reference, f"reference images of {args.checkpoint}"
    else:
        if args.train is None:
            raise UsageError("--train A.npy is required with --query")
        train, train_name = _load(args.train), args.train
        query, query_name = _load(args.query), args.query

    train, query = _as_float(train), _as_float(query)
    # every check that can refuse the input runs before the slow k-means fit
    train_flat, query_flat = flatten_samples(train, "training"), flatten_samples(query, "query")
    if train_flat.shape[1] != query_flat.shape[1]:
        raise ValueError(
            f"training samples {train.shape[1:]} have {train_flat.shape[1]} features each but "
            f"query samples {query.shape[1:]} have {query_flat.shape[1]}: they must match"
        )
    check_k(args.bins, n_train=train_flat.shape[0])
    bins = fit_bins(train, args.bins, whiten=args.whiten, seed=args.seed)
    result = evaluate(bins, query, alpha=args.alpha, z_threshold=args.z_threshold)

    if args.json:
        out = result.to_dict()
        out.update(whiten=bins.whiten, seed=bins.seed, train=train_name, query=query_name)
        print(json.dumps(out))
        return 0
    test = f"|z| > {args.z_threshold:g}" if args.z_threshold is not None else f"p < {args.alpha:g}"
    print(f"NDB (Richardson & Weiss 2018), K={result.K} bins{', whitened' if bins.whiten else ''}, "
          f"seed {bins.seed}, different if {test}")
    print(f"  train: {train_name}: {result.n_train} samples, values in "
          f"[{train.min():.4g}, {train.max():.4g}]")
    print(f"  query: {query_name}: {result.n_query} samples, values in "
          f"[{query.min():.4g}, {query.max():.4g}]")
    print(f"  NDB = {result.NDB}   NDB/K = {result.NDB_K:.3f}   JS = {result.JS:.4f}")
    under, over = _bin_list(result.under_represented), _bin_list(result.over_represented)
    print(f"  under-represented bins (too few query samples): {under}")
    print(f"  over-represented bins (too many query samples): {over}")
    return 0


def _bin_list(indices) -> str:
    return ", ".join(str(i) for i in indices) if len(indices) else "none"


def _load(path: str):
    import numpy as np

    if not path.endswith(".npy"):
        raise ValueError(f"{path}: expected a .npy file (numpy.save), got another extension")
    try:
        return np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file") from None
    except (ValueError, OSError) as exc:
        raise ValueError(f"{path}: not a readable .npy array ({exc})") from None


def _as_float(x):
    """uint8 images -> [0, 1] float64 so they compare with float images; other dtypes as is."""
    import numpy as np

    x = np.asarray(x)
    return x.astype(np.float64) / 255.0 if x.dtype == np.uint8 else x


def _generate(name: str, n: int, seed: int):
    """Returns (n generated (n, H, W, C) uint8 samples, the checkpoint's reference images)."""
    from ganviz.cli import UsageError

    if not 1 <= n <= 100_000:
        raise UsageError(f"--n must be 1..100000, got {n}")
    try:
        checkpoints = importlib.import_module("ganviz.checkpoints")
    except ModuleNotFoundError as exc:
        if exc.name != "ganviz.checkpoints":
            raise
        raise UsageError("--checkpoint needs ganviz.checkpoints, which this install lacks; "
                         "pass --query B.npy instead") from None
    checkpoint = checkpoints.load(name)
    # z from `seed`; a conditional model cycles through its classes, matching balanced data
    samples = checkpoint.sample(n, seed=seed)
    print(f"generated {n} samples from {checkpoint.name}", file=sys.stderr)
    return samples, checkpoint.reference_images
