"""`python -m ganviz train`: train an image GAN (any `ganviz.image.models.MODELS` entry) into a
checkpoint folder. Model and loss choices come from the registries, so a new model shows up
here without a change to this file."""

from __future__ import annotations

import argparse
import shlex
import sys

from ganviz.image.losses import LOSSES
from ganviz.image.models import MODELS

HELP = f"train an image GAN ({' | '.join(MODELS)}) into a checkpoint folder"
EXAMPLES = """\
  python -m ganviz train --dataset fashion_mnist --model cdcgan --epochs 10 \\
      --batch-size 64 --out checkpoints/my_fashion
  python -m ganviz train --dataset mnist --model dcgan --epochs 20 --batch-size 64 \\
      --out checkpoints/my_mnist --resume          # continue up to 20 epochs
  python -m ganviz train --dataset folder:~/art --image-size 64 --model dcgan \\
      --epochs 50 --batch-size 32 --out checkpoints/art
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


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", required=True,
                   help="mnist | fashion_mnist | folder:PATH | npz:PATH")
    p.add_argument("--model", required=True, choices=list(MODELS),
                   help="; ".join(f"{m.name}: {m.summary}" for m in MODELS.values()))
    p.add_argument("--epochs", type=_positive_int, required=True,
                   help="total epochs (with --resume: continue up to this many)")
    p.add_argument("--batch-size", type=_positive_int, required=True)
    p.add_argument("--out", required=True, help="checkpoint folder, e.g. checkpoints/NAME")
    p.add_argument("--resume", action="store_true", help="continue the run saved in --out")
    p.add_argument("--strategy", choices=["default", "mirrored"], default="default",
                   help="tf.distribute strategy; mirrored uses every visible GPU")
    g = p.add_argument_group("model and optimiser (defaults are the shipped checkpoints')")
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
    g.add_argument("--image-size", type=_positive_int, default=64,
                   help="side for folder: datasets (28, 32 or 64)")
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
    from ganviz.image import classifier as clf
    from ganviz.image import data
    from ganviz.image.config import ImageGanConfig
    from ganviz.image.train import train

    if ".." in args.out.replace("\\", "/").split("/"):
        raise UsageError(f"--out must not contain '..': {args.out}")
    config = ImageGanConfig(
        dataset=args.dataset, model=args.model, loss=args.loss, epochs=args.epochs,
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
    dataset = data.load(args.dataset, seed=args.seed, image_size=args.image_size)
    print(dataset.describe(), file=sys.stderr, flush=True)
    classifier = None
    if args.dataset in clf.CLASSIFIER_FILES:
        classifier = clf.load_classifier(args.dataset, required=False)
    command = "python -m ganviz train " + " ".join(shlex.quote(a) for a in sys.argv[2:]) \
        if len(sys.argv) > 1 and sys.argv[1] == "train" else ""
    result = train(config, dataset, args.out, resume=args.resume, classifier=classifier,
                   progress=not args.quiet, command=command, notes=args.notes)
    shown = ", ".join(f"{k}={v:.4g}" for k, v in result.metrics.items() if isinstance(v, float))
    print(f"saved {result.path} after {result.epochs} epochs in {result.training_time_s:.0f} s; "
          f"{shown}")
    return 0
