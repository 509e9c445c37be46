"""`python -m ganviz train`: train an image GAN (any `ganviz.image.models.MODELS` entry) into a
checkpoint folder. Model and loss choices come from the registries, so a new model shows up
here without a change to this file."""

from __future__ import annotations

import argparse
import shlex
import sys

from ganviz.image.config import STRATEGIES
from ganviz.image.data import DATASETS, PREFIXES
from ganviz.image.losses import LOSSES
from ganviz.image.models import MODELS

SIZES = (28, 32, 64)
DEFAULT_SIZE = 64

HELP = f"train an image GAN ({' | '.join(MODELS)}) into a checkpoint folder"
EXAMPLES = """\
  python -m ganviz train --dataset fashion_mnist --model cdcgan --epochs 10 \\
      --batch-size 64 --out checkpoints/my_fashion
  python -m ganviz train --dataset mnist --model dcgan --epochs 20 --batch-size 64 \\
      --out checkpoints/my_mnist --resume          # continue up to 20 epochs
  python -m ganviz train --dataset folder:~/art --size 64 --model dcgan \\
      --epochs 50 --batch-size 32 --out checkpoints/art
  python -m ganviz train --images ~/Downloads/art.zip --size 32 --model dcgan \\
      --seconds 300 --batch-size 32 --out checkpoints/art32   # a zip or a folder of images
  python -m ganviz train --dataset mnist --model dcgan --batch-size 64 --seconds 120 \\
      --out checkpoints/mnist_2min      # as many epochs as fit in 2 minutes of training
  export TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]},
                     "task": {"type": "worker", "index": 0}}'   # on host2: "index": 1
  python -m ganviz train --dataset mnist --model dcgan --epochs 5 --batch-size 64 \\
      --strategy multiworker --out checkpoints/mnist_2w   # the same on every worker
  python -m ganviz train --dataset mnist --model dcgan --epochs 3 --batch-size 64 \\
      --init-from checkpoints/mnist_dcgan --d-lr 1e-7 --g-lr 5e-3 \\
      --out checkpoints/collapsed      # D frozen: G collapses onto D's favourites
"""


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {v}")
    return v


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {v}")
    return v


def add_arguments(p: argparse.ArgumentParser) -> None:
    _add_run_arguments(p)
    _add_model_arguments(p.add_argument_group(
        "model and optimiser (defaults are the shipped checkpoints')"))


def _add_run_arguments(p: argparse.ArgumentParser) -> None:
    """What to train on, for how long, where to, on which devices."""
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", help=" | ".join(
        [*DATASETS, *(f"{prefix}:PATH" for prefix in PREFIXES)]))
    source.add_argument("--images", metavar="DIR_OR_ZIP",
                        help="your own pictures: a folder or a .zip of images, resized to "
                             "--size (unreadable files are skipped and counted)")
    p.add_argument("--size", "--image-size", type=int, choices=SIZES, default=None,
                   help=f"image side for --images and folder: datasets (default {DEFAULT_SIZE}; "
                        "--image-size is its old name)")
    p.add_argument("--model", required=True, choices=list(MODELS),
                   help="; ".join(f"{m.name}: {m.summary}" for m in MODELS.values()))
    p.add_argument("--epochs", type=_positive_int, default=None,
                   help="total epochs (with --resume: continue up to this many); required "
                        "unless --seconds is given (then: as many as fit)")
    p.add_argument("--seconds", type=_positive_float, default=None, metavar="S",
                   help="stop after S seconds of training wall time (compiling included; "
                        "start-up, the final evaluation and saving not), ending the current "
                        "chunk of steps; the run is then evaluated and saved once, at the end")
    p.add_argument("--batch-size", type=_positive_int, required=True)
    p.add_argument("--out", required=True, help="checkpoint folder, e.g. checkpoints/NAME")
    p.add_argument("--resume", action="store_true",
                   help="continue the run saved in --out (after a --seconds stop mid-epoch, "
                        "from the next epoch)")
    p.add_argument("--strategy", choices=STRATEGIES, default="default",
                   help="tf.distribute strategy; mirrored: every local GPU; multiworker: "
                        "MultiWorkerMirroredStrategy over the cluster in the TF_CONFIG "
                        "environment variable, same command on every worker, only the chief "
                        "writes --out (docs/multiworker.md)")


def _add_model_arguments(g) -> None:
    g.add_argument("--loss", choices=list(LOSSES), default=None,
                   help="default: the model's own (" + ", ".join(
                       f"{m.name}: {m.loss}" for m in MODELS.values()) + ")")
    g.add_argument("--latent-dim", type=_positive_int, default=64)
    g.add_argument("--filters", type=_positive_int, default=32,
                   help="base filter count of G's last / D's first layer; doubles per scale")
    g.add_argument("--d-dropout", type=float, default=0.0)
    g.add_argument("--d-input-noise", type=float, default=0.0, metavar="STD",
                   help="sgan: std of Gaussian noise added to D's input while training "
                        "(Salimans et al. 2016 use 0.3; 0: off)")
    g.add_argument("--g-lr", type=float, default=None,
                   help="generator learning rate (default: the model's recipe, 2e-4 for dcgan)")
    g.add_argument("--d-lr", type=float, default=None,
                   help="discriminator / critic learning rate (default: the model's recipe)")
    g.add_argument("--beta1", type=float, default=None,
                   help="Adam's beta_1 (default: the model's recipe, 0.5 for dcgan)")
    g.add_argument("--g-ema", type=float, default=0.0, metavar="DECAY",
                   help="average G's weights with this decay, e.g. 0.999 (0: off); the "
                        "checkpoint then holds the averaged generator")
    g.add_argument("--packing", type=int, default=1, metavar="M",
                   help="dcgan: D judges packs of M images (PacGAN, 1-4; 1: off)")
    g.add_argument("--g-steps", type=_positive_int, default=1, help="G updates per step")
    g.add_argument("--d-steps", type=_positive_int, default=None,
                   help="D updates per step (default: the model's recipe: 1, or 5 for the WGANs)")
    g.add_argument("--max-images", type=_positive_int, default=None,
                   help="train on the first N training images only")
    g.add_argument("--labels-per-class", type=_positive_int, default=10, metavar="N",
                   help="sgan: labelled training images per class (the rest unlabelled)")
    g.add_argument("--unsupervised-weight", type=float, default=1.0, metavar="W",
                   help="sgan: weight of the real/fake loss beside the labelled one (default 1)")
    g.add_argument("--gamma", type=float, default=0.5,
                   help="began: equilibrium ratio E L(G(z)) / E L(x) in (0, 1] (default 0.5)")
    g.add_argument("--lambda-k", type=float, default=0.001,
                   help="began: learning rate of the k_t controller (default 0.001)")
    g.add_argument("--k-init", type=float, default=0.0,
                   help="began: k_0, the controller's start in [0, 1] (the paper's 0; "
                        "mnist_began uses 0.1)")
    g.add_argument("--eval-samples", type=int, default=2000,
                   help="generated images per epoch for NDB/K and classifier metrics")
    g.add_argument("--init-from", default=None,
                   help="start G and D from this checkpoint folder (needs its state/)")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--notes", default="", help="free text stored in card.json")
    g.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from ganviz.cli import UsageError

    _check(args)
    if args.strategy == "multiworker":  # TensorFlow: before any other TF op
        from ganviz.image.trainer import make_strategy, read_tf_config

        try:
            read_tf_config()
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        make_strategy("multiworker")
    dataset = _load_dataset(args)
    config = _config(args, dataset.name)
    return _train(args, config, dataset)


def _check(args: argparse.Namespace) -> None:
    """Refuse flag combinations argparse cannot express, with one line each."""
    from ganviz.cli import UsageError

    if ".." in args.out.replace("\\", "/").split("/"):
        raise UsageError(f"--out must not contain '..': {args.out}")
    if args.epochs is None and args.seconds is None:
        raise UsageError("give --epochs N, --seconds S, or both")
    if args.size is not None and args.dataset is not None \
            and not args.dataset.startswith("folder:"):
        raise UsageError(f"--size applies to --images and folder: datasets, not {args.dataset}")


def _load_dataset(args: argparse.Namespace):
    """--dataset by name, or --images through ganviz.image.uploads (its report on stderr)."""
    from ganviz.image import data

    size = args.size or DEFAULT_SIZE
    if args.dataset is not None:
        dataset = data.load(args.dataset, seed=args.seed, image_size=size)
    else:
        from ganviz.image.uploads import load_images

        dataset, report = load_images(args.images, size, seed=args.seed)
        print(report.summary(), file=sys.stderr, flush=True)
    print(dataset.describe(), file=sys.stderr, flush=True)
    return dataset


def _config(args: argparse.Namespace, dataset_name: str):
    from ganviz.image.config import MAX_EPOCHS, ImageGanConfig

    return ImageGanConfig(
        dataset=dataset_name, model=args.model, loss=args.loss,
        epochs=args.epochs or MAX_EPOCHS, seconds=args.seconds,
        batch_size=args.batch_size, latent_dim=args.latent_dim, base_filters=args.filters,
        d_dropout=args.d_dropout, d_input_noise=args.d_input_noise, g_learning_rate=args.g_lr,
        d_learning_rate=args.d_lr,
        beta_1=args.beta1, g_ema=args.g_ema, packing=args.packing,
        g_steps=args.g_steps, d_steps=args.d_steps,
        max_train_images=args.max_images, eval_samples=args.eval_samples,
        labels_per_class=args.labels_per_class, unsupervised_weight=args.unsupervised_weight,
        gamma=args.gamma, lambda_k=args.lambda_k,
        k_init=args.k_init,
        strategy=args.strategy, init_from=args.init_from, seed=args.seed)


def _train(args: argparse.Namespace, config, dataset) -> int:
    from ganviz.image import classifier as clf
    from ganviz.image.train import train
    from ganviz.image.trainer import make_strategy, worker_role

    classifier = None
    if dataset.name in clf.CLASSIFIER_FILES:
        classifier = clf.load_classifier(dataset.name, required=False)
    command = "python -m ganviz train " + " ".join(shlex.quote(a) for a in sys.argv[2:]) \
        if len(sys.argv) > 1 and sys.argv[1] == "train" else ""
    result = train(config, dataset, args.out, resume=args.resume, classifier=classifier,
                   progress=not args.quiet, command=command, notes=args.notes)
    if not worker_role(make_strategy(config.strategy)).chief:
        return 0  # the chief reports; this worker's copy was temporary
    shown = ", ".join(f"{k}={v:.4g}" for k, v in result.metrics.items() if isinstance(v, float))
    last = result.history[-1] if result.history else {}
    stop = ""
    if last.get("stopped") == "seconds":
        where = (f"at the end of epoch {result.epochs}" if last["epoch_fraction"] >= 1
                 else f"{last['epoch_fraction']:.0%} into epoch {result.epochs}")
        stop = f" (stopped on the {config.seconds:g} s budget {where})"
    print(f"saved {result.path} after {result.epochs} epochs{stop} in "
          f"{result.training_time_s:.0f} s; {shown}")
    return 0
