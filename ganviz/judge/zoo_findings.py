"""What a model-zoo comparison shows, in sentences computed from its numbers: never a verdict
written in advance. Each sentence appears only when the models and numbers it needs are there.

    findings(comparison) -> list[str]

    sharpness   each autoencoder (ae, vae) against each adversarial model: blurrier or not, by
                the mean variance of the Laplacian of their samples, the real images' beside
                them; without such a pair, the sharpest and blurriest model
    classes     who hits the most classes and whose class histogram is closest to the real one
                (KL, nats); WGAN / WGAN-GP against DCGAN when both are there
    metrics     lowest FID, whether KID ranks the models as FID does, highest recall, and the
                precision / recall trade-off
    sgan        the SGAN's classifier accuracy against a supervised classifier of the same
                architecture trained on the same labels (or how to measure the latter)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ganviz.judge.zoo import SGAN_BENCHMARK, Comparison, ModelResult

ADVERSARIAL_VS_DCGAN = ("wgan-gp", "wgan")
# "blurrier than the real images" only beyond this relative gap: 0.160 vs 0.161 is a tie
SHARPNESS_MARGIN = 0.10


def _num(x: float) -> str:
    return f"{x:.3g}"


def _names(models: Sequence[ModelResult]) -> str:
    titles = [m.title for m in models]
    return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]


def _verb(models: Sequence[ModelResult], singular: str, plural: str) -> str:
    return singular if len(models) == 1 else plural


def _extremes(models: Sequence[ModelResult], value: Callable[[ModelResult], float]
              ) -> tuple[list[ModelResult], list[ModelResult]]:
    """(the models tied at the highest value, those tied at the lowest)."""
    values = [value(m) for m in models]
    top, bottom = max(values), min(values)
    return ([m for m, v in zip(models, values) if v == top],
            [m for m, v in zip(models, values) if v == bottom])


# ---------------------------------------------------------------------------- sharpness

def _sharpness(c: Comparison) -> list[str]:
    real = _num(c.real.sharpness.mean)
    autoencoders = [m for m in c.models if m.is_autoencoder]
    adversarial = [m for m in c.models if not m.is_autoencoder]
    out = []
    for a in autoencoders:
        for g in adversarial:
            blurrier = a.sharpness.mean < g.sharpness.mean
            out.append(f"The samples of {a.title} are {'' if blurrier else 'not '}blurrier than "
                       f"those of {g.title}: variance of the Laplacian {_num(a.sharpness.mean)} "
                       f"vs {_num(g.sharpness.mean)} (real images {real}; higher is sharper).")
    if not out:
        sharpest, blurriest = _extremes(c.models, lambda m: m.sharpness.mean)
        out.append(f"Sharpest samples: {_names(sharpest)} (variance of the Laplacian "
                   f"{_num(sharpest[0].sharpness.mean)}); blurriest: {_names(blurriest)} "
                   f"({_num(blurriest[0].sharpness.mean)}); real images {real}.")
    floor = (1 - SHARPNESS_MARGIN) * c.real.sharpness.mean
    below = [m for m in c.models if m.sharpness.mean < floor]
    out.append(f"{len(below)} of {len(c.models)} models {_verb(below, 'makes', 'make')} samples "
               f"more than {SHARPNESS_MARGIN:.0%} blurrier than the real images"
               + (f" ({_names(below)})." if below else "."))
    for m in c.models:
        if m.reconstruction_sharpness is not None:
            less = m.reconstruction_sharpness < c.real.sharpness.mean
            out.append(f"{m.title}'s reconstructions of real images are "
                       f"{'blurrier' if less else 'not blurrier'} than the images themselves: "
                       f"{_num(m.reconstruction_sharpness)} vs {real}.")
    return out


# ---------------------------------------------------------------------------- classes

def _classes(c: Comparison) -> list[str]:
    models = [m for m in c.models if m.classes_hit is not None]
    k = c.real.num_classes
    if len(models) < 2 or k is None:
        return []
    most, fewest = _extremes(models, lambda m: m.classes_hit)
    if most[0].classes_hit == fewest[0].classes_hit:
        out = [f"Every model's samples hit {most[0].classes_hit} of {k} classes (by the "
               f"classifier's predictions)."]
    else:
        out = [f"{_names(most)} {_verb(most, 'covers', 'cover')} the most classes "
               f"({most[0].classes_hit} of {k}); {_names(fewest)} the fewest "
               f"({fewest[0].classes_hit})."]
    farthest, closest = _extremes(models, lambda m: m.class_kl)
    out.append(f"Class histogram closest to the real images': {_names(closest)} (KL "
               f"{_num(closest[0].class_kl)} nats); farthest: {_names(farthest)} "
               f"({_num(farthest[0].class_kl)}).")
    dcgans = [m for m in models if m.model == "dcgan"]
    for w in (m for m in models if m.model in ADVERSARIAL_VS_DCGAN):
        out += [_versus(w, d, k) for d in dcgans]
    return out


def _versus(w: ModelResult, d: ModelResult, k: int) -> str:
    if w.classes_hit != d.classes_hit:
        more = w.classes_hit > d.classes_hit
        return (f"{w.title} covers {'more' if more else 'fewer'} classes than {d.title}: "
                f"{w.classes_hit} vs {d.classes_hit} of {k}.")
    closer = w.class_kl < d.class_kl
    return (f"{w.title} covers as many classes as {d.title} ({w.classes_hit} of {k}), with a "
            f"class histogram {'closer to' if closer else 'no closer to'} the real one (KL "
            f"{_num(w.class_kl)} vs {_num(d.class_kl)}).")


# ---------------------------------------------------------------------------- suite metrics

def _has(models: Sequence[ModelResult], *keys: str) -> bool:
    return all(key in m.metrics for m in models for key in keys)


def _ranking(models: Sequence[ModelResult], key: str) -> list[str]:
    return [m.name for m in sorted(models, key=lambda m: m.metrics[key])]


def _metrics(c: Comparison) -> list[str]:
    models, out = c.models, []
    if _has(models, "FID"):
        fid = c.metric_name("FID")
        worst, best = _extremes(models, lambda m: m.metrics["FID"])
        out.append(f"Lowest {fid} (closest to the real images): {_names(best)} "
                   f"({_num(best[0].metrics['FID'])}); highest: {_names(worst)} "
                   f"({_num(worst[0].metrics['FID'])}).")
        if _has(models, "KID"):
            same = _ranking(models, "FID") == _ranking(models, "KID")
            how = "as" if same else "differently from how"
            out.append(f"{c.metric_name('KID')} ranks the models {how} {fid} does.")
    if _has(models, "precision", "recall"):
        out += _precision_recall(models)
    return out


def _precision_recall(models: Sequence[ModelResult]) -> list[str]:
    def p(m: ModelResult) -> float:
        return m.metrics["precision"]

    def r(m: ModelResult) -> float:
        return m.metrics["recall"]

    realistic, _ = _extremes(models, p)
    varied, _ = _extremes(models, r)
    out = [f"Highest recall (the most real images with a generated neighbour: variety): "
           f"{_names(varied)} ({_num(r(varied[0]))})."]
    both = [m for m in realistic if m in varied]
    if both:
        out.append(f"{_names(both)} {_verb(both, 'leads', 'lead')} on both precision "
                   f"({_num(p(both[0]))}) and recall ({_num(r(both[0]))}): no trade-off "
                   f"between realism and variety here.")
    else:
        a, b = realistic[0], varied[0]
        out.append(f"Precision against recall: {a.title} is the most realistic (precision "
                   f"{_num(p(a))}, recall {_num(r(a))}) and {b.title} the most varied "
                   f"(precision {_num(p(b))}, recall {_num(r(b))}): one trades variety for "
                   f"realism.")
    return out


# ---------------------------------------------------------------------------- sgan

def _sgan(c: Comparison) -> list[str]:
    out = []
    for m in (m for m in c.models if m.model == "sgan"):
        if m.classifier_accuracy is None:
            out.append(f"{m.title}'s card records no classifier accuracy; retrain it with this "
                       f"ganviz to measure it.")
            continue
        labels = "" if m.labels_per_class is None else \
            f" with {m.labels_per_class} labels per class"
        said = (f"{m.title}'s discriminator, trained{labels}, classifies "
                f"{m.classifier_accuracy:.1%} of held-out images correctly")
        if m.supervised_accuracy is None:
            out.append(f"{said}; to compare it with the same architecture trained supervised on "
                       f"the same labels, run `{SGAN_BENCHMARK}` (it writes the number into the "
                       f"card).")
            continue
        gain = 100 * (m.classifier_accuracy - m.supervised_accuracy)
        helps = "help" if gain > 0 else "do not help"
        out.append(f"{said}; the same architecture trained supervised on the same labels: "
                   f"{m.supervised_accuracy:.1%}. The unlabelled images and the GAN game {helps} "
                   f"({gain:+.1f} points).")
    return out


def findings(comparison: Comparison) -> list[str]:
    """Sentences on sharpness, classes, the suite's metrics and the SGAN (see the module)."""
    out: list[Any] = []
    for part in (_sharpness, _classes, _metrics, _sgan):
        out += part(comparison)
    return out
