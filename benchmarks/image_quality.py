"""Measure issue 5's acceptance metrics for the shipped image checkpoints and classifiers.

    python benchmarks/image_quality.py                       # every checkpoint in checkpoints/
    python benchmarks/image_quality.py mnist_dcgan fashion_cdcgan --json out.json

Per checkpoint (all sampling seeded with --seed, default 0):
  conditional    classifier agreement with the requested class on 1,000 samples (100 per
                 class); acceptance >= 95% (MNIST), >= 85% (Fashion-MNIST)
  unconditional  classes the shipped classifier sees in 10,000 samples (acceptance: all 10)
                 and KL(training-set class histogram || generated histogram), nats
                 (acceptance <= 0.05)
  all            NDB/K with K=50 bins (k-means on the held-out reference.npz images, raw
                 pixels), z threshold 4, 10,000 samples (conditional: classes in turn);
                 acceptance >= 0.5 for the collapsed checkpoint, <= 0.2 for the healthy ones
Per classifier: accuracy on the dataset's whole held-out split (>= 98% MNIST, >= 90% Fashion).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ACCURACY_FLOOR = {"mnist": 0.95, "fashion_mnist": 0.85}
CLASSIFIER_FLOOR = {"mnist": 0.98, "fashion_mnist": 0.90}
KL_CEILING = 0.05
NDB_HEALTHY_CEILING, NDB_COLLAPSED_FLOOR = 0.2, 0.5


def measure_checkpoint(name: str, seed: int, k: int, z_threshold: float, n_ndb: int,
                       n_conditional: int, n_histogram: int, datasets: dict) -> dict:
    from ganviz import checkpoints
    from ganviz.eval import ndb
    from ganviz.eval.classes import class_histogram, kl_divergence
    from ganviz.image import classifier as clf
    from ganviz.image import data

    t0 = time.perf_counter()
    ckpt = checkpoints.load(name)
    ds_name = ckpt.card.dataset
    model = clf.load_classifier(ds_name)
    out: dict = {"checkpoint": name, "dataset": ds_name, "model": ckpt.card.model,
                 "epochs": ckpt.card.epochs}
    collapsed = "collapse" in name
    if ckpt.conditional:
        labels = np.arange(n_conditional) % ckpt.num_classes
        images = ckpt.generate(ckpt.latent(n_conditional, seed), labels)
        acc = clf.accuracy(model, images, labels)
        out["conditional_accuracy"] = acc
        out["conditional_accuracy_n"] = n_conditional
        out["conditional_accuracy_pass"] = bool(acc >= ACCURACY_FLOOR[ds_name])
    else:
        if ds_name not in datasets:
            datasets[ds_name] = data.load(ds_name)
        train_hist = class_histogram(datasets[ds_name].train_labels, 10)
        images = ckpt.sample(n_histogram, seed=seed)
        gen_hist = class_histogram(clf.predict(model, images), 10)
        out["class_histogram"] = [round(float(v), 4) for v in gen_hist]
        out["classes_present"] = int(np.sum(gen_hist > 0))
        out["class_kl"] = kl_divergence(train_hist, gen_hist)
        out["class_kl_n"] = n_histogram
        if not collapsed:
            out["class_histogram_pass"] = bool(out["classes_present"] == 10
                                               and out["class_kl"] <= KL_CEILING)
    bins = ndb.fit_bins(ckpt.reference_images, k=k, seed=seed)
    samples = ckpt.sample(n_ndb, seed=seed + 1)
    res = ndb.evaluate(bins, samples, z_threshold=z_threshold)
    out.update(ndb_over_k=res.NDB_K, ndb=res.NDB, ndb_k=k, ndb_js=res.JS, ndb_n=n_ndb,
               reference_n=len(ckpt.reference_images))
    out["ndb_pass"] = bool(res.NDB_K >= NDB_COLLAPSED_FLOOR if collapsed
                           else res.NDB_K <= NDB_HEALTHY_CEILING)
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def measure_classifiers(datasets: dict) -> list[dict]:
    from ganviz.image import classifier as clf
    from ganviz.image import data

    rows = []
    for ds_name in sorted(clf.CLASSIFIER_FILES):
        if not clf.classifier_path(ds_name).exists():
            rows.append({"classifier": ds_name, "missing": True})
            continue
        if ds_name not in datasets:
            datasets[ds_name] = data.load(ds_name)
        ds = datasets[ds_name]
        acc = clf.accuracy(clf.load_classifier(ds_name), ds.heldout_images, ds.heldout_labels)
        rows.append({"classifier": ds_name, "heldout_accuracy": acc,
                     "heldout_n": len(ds.heldout_labels),
                     "pass": bool(acc >= CLASSIFIER_FLOOR[ds_name])})
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("checkpoints", nargs="*", help="names (default: every checkpoint listed)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--k", type=int, default=50)
    p.add_argument("--z-threshold", type=float, default=4.0)
    p.add_argument("--n-ndb", type=int, default=10_000)
    p.add_argument("--n-conditional", type=int, default=1_000)
    p.add_argument("--n-histogram", type=int, default=10_000)
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = p.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    import tensorflow as tf

    from ganviz import checkpoints

    names = args.checkpoints or [c.name for c in checkpoints.list_checkpoints() if c.ok]
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"TensorFlow {tf.__version__}; seed {args.seed}")
    datasets: dict = {}
    results = {"classifiers": measure_classifiers(datasets), "checkpoints": []}
    for row in results["classifiers"]:
        if row.get("missing"):
            print(f"classifier {row['classifier']}: MISSING")
        else:
            print(f"classifier {row['classifier']}: held-out accuracy "
                  f"{row['heldout_accuracy']:.4f} "
                  f"on {row['heldout_n']} images  [{'PASS' if row['pass'] else 'FAIL'}]")
    for name in names:
        r = measure_checkpoint(name, args.seed, args.k, args.z_threshold, args.n_ndb,
                               args.n_conditional, args.n_histogram, datasets)
        results["checkpoints"].append(r)
        parts = [f"{name} ({r['model']}, {r['epochs']} epochs):"]
        if "conditional_accuracy" in r:
            parts.append(f"conditional accuracy {r['conditional_accuracy']:.4f} on "
                         f"{r['conditional_accuracy_n']}"
                         f" [{'PASS' if r['conditional_accuracy_pass'] else 'FAIL'}]")
        if "class_kl" in r:
            verdict = "" if "class_histogram_pass" not in r else \
                f" [{'PASS' if r['class_histogram_pass'] else 'FAIL'}]"
            parts.append(f"classes present {r['classes_present']}/10, class KL {r['class_kl']:.4f}"
                         f" on {r['class_kl_n']}{verdict}")
        parts.append(f"NDB/K {r['ndb_over_k']:.3f} ({r['ndb']}/{r['ndb_k']}, JS {r['ndb_js']:.4f}, "
                     f"{r['ndb_n']} samples vs {r['reference_n']} held-out) "
                     f"[{'PASS' if r['ndb_pass'] else 'FAIL'}]")
        print("  ".join(parts), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
