"""ImageJob: an image GAN trained live (ganviz.live.image_job), its quick metrics and diagnosis
(ganviz.live.image_metrics) and its charts (ganviz.plots.live_image). Known answers: steps and
images counted exactly, the same seed gives the same grid, a NaN puts the last good state back,
a saved checkpoint loads and is listed, the shipped classifier reads real digits as ten
confident classes, every model of the zoo trains as a live job."""

from __future__ import annotations

import time

import numpy as np
import pytest

from ganviz.image import checkpoints as ckpts
from ganviz.image import data
from ganviz.image.classifier import load_classifier
from ganviz.image.config import ImageGanConfig
from ganviz.image.models import MODELS
from ganviz.live.image_job import EVAL_EVERY, ImageJob
from ganviz.live.image_metrics import image_warnings, judge_grid
from ganviz.live.play import PlayState
from ganviz.live.scheduler import FairGate, LiveTrainer, StopReason, train_in_turns
from ganviz.plots.live_image import quick_figure, training_figure

SMALL = dict(dataset="mnist", base_filters=8, latent_dim=16, batch_size=16,
             max_train_images=256, steps_per_call=4)


@pytest.fixture(scope="module")
def mnist():
    return data.load("mnist")


@pytest.fixture(scope="module")
def classifier():
    return load_classifier("mnist", required=False)


def small_job(mnist, **kw) -> ImageJob:
    return ImageJob(ImageGanConfig(**{**SMALL, "model": "dcgan", **kw}), mnist)


def test_steps_images_and_epochs_are_counted_exactly(mnist):
    job = small_job(mnist)
    assert job.step == 0 and job.quick.steps == [0]   # evaluated once at the start
    assert job.train_now(10) == 10
    assert job.step == 10 and job.images_seen == 160 and job.epoch == pytest.approx(160 / 256)
    assert job.stats.steps[-1] == 10 and set(job.stats.values) >= {"d_loss", "g_loss"}
    assert job.last_seconds_per_step > 0
    grid = job.grid()
    assert grid.shape == (100, 28, 28, 1) and grid.dtype == np.uint8
    assert len(job.frames) == 1 and job.grid() is grid   # cached while the step stays


def test_epochs_are_shuffled_passes_seeded_by_seed_and_epoch(mnist):
    job = small_job(mnist)
    idx = job._next_batches(16)   # 16 x 16 = one full pass of the 256 images
    assert sorted(idx.ravel().tolist()) == list(range(256))
    expected = np.random.default_rng([0, 1]).permutation(256).reshape(16, 16)
    np.testing.assert_array_equal(idx, expected)


def test_same_seed_same_grid(mnist):
    a, b = small_job(mnist), small_job(mnist)
    a.train_now(8)
    b.train_now(8)
    np.testing.assert_array_equal(a.grid(), b.grid())
    c = small_job(mnist, seed=1)
    c.train_now(8)
    assert not np.array_equal(a.grid(), c.grid())


def test_a_nan_puts_the_last_good_state_back_and_stops(mnist, monkeypatch):
    job = small_job(mnist)
    job.train_now(4)
    job._keep_good_state()
    good = [np.array(v.numpy()) for v in job._variables]
    real_chunk = job.trainer.train_chunk

    def poisoned(images, labels):
        stats = real_chunk(images, labels)
        job.trainer.generator.weights[0].assign(job.trainer.generator.weights[0] * np.nan)
        return {**stats, "d_loss": float("nan")}

    monkeypatch.setattr(job.trainer, "train_chunk", poisoned)
    assert job.train_now(4) == 0
    assert job.diverged and job.diverged_at == 4 and job.step == 4 and job.good_step == 4
    for v, x in zip(job._variables, good):
        np.testing.assert_array_equal(v.numpy(), x)
    assert job.train_now(4) == 0   # stays stopped until the user acts
    assert any("diverged at step 4" in w for w in job.warnings())
    monkeypatch.setattr(job.trainer, "train_chunk", real_chunk)
    assert job.set_learning_rates(1e-4, 1e-4)   # new rates: go on from the good state
    assert not job.diverged and job.train_now(4) == 4 and job.step == 8
    assert float(job.trainer.g_optimizer.learning_rate.numpy()) == pytest.approx(1e-4)
    assert not job.set_learning_rates(1e-4, 1e-4)


def test_quick_metrics_every_few_hundred_steps(mnist, classifier):
    if classifier is None:
        pytest.skip("the shipped MNIST classifier is missing")
    job = ImageJob(ImageGanConfig(**{**SMALL, "model": "dcgan"}), mnist, classifier)
    assert set(job.quick.latest()) >= {"ndb_over_k", "classes_covered", "mean_confidence",
                                       "class_kl", "fid_c", "kid_c"}
    job.train_now(EVAL_EVERY - 4)
    assert job.quick.steps == [0]
    job.train_now(8)
    assert job.quick.steps == [0, EVAL_EVERY + 4]


def test_the_classifier_reads_real_digits_as_ten_confident_classes(mnist, classifier):
    if classifier is None:
        pytest.skip("the shipped MNIST classifier is missing")
    classes, confidence = judge_grid(classifier, mnist.heldout_images[::5])
    assert classes == 10 and confidence > 0.9
    noise = np.random.default_rng(0).integers(0, 256, (100, 28, 28, 1), dtype=np.uint8)
    assert judge_grid(classifier, noise)[1] < confidence


def test_save_writes_a_listed_loadable_checkpoint(mnist, tmp_path):
    job = small_job(mnist)
    job.train_now(4)
    path = job.save("live_test", root=tmp_path)
    ckpt = ckpts.load(path)
    assert ckpt.card.model == "dcgan" and ckpt.card.metrics["step"] == 4.0
    assert [s.name for s in ckpts.list_checkpoints(tmp_path)] == ["live_test"]
    np.testing.assert_array_equal(ckpt.generate(np.asarray(job.grid_z[:3])), job.grid()[:3])
    with pytest.raises(ValueError, match="exists already"):
        job.save("live_test", root=tmp_path)
    for bad in ("", "../up", "a/b", ".hidden", "x" * 65):
        with pytest.raises(ValueError, match="checkpoint name"):
            job.save(bad, root=tmp_path)


def test_gif_has_the_grid_history(mnist):
    job = small_job(mnist)
    for _ in range(3):
        job.train_now(20)
        job.grid()
    gif = job.gif()
    assert gif[:6] == b"GIF89a" and len(job.frames) == 3


@pytest.mark.parametrize("model", sorted(MODELS))
def test_every_model_trains_as_a_live_job(mnist, model):
    # sgan reads its labelled images from the whole set (the first 256 offline digits are 0s)
    kw = {"labels_per_class": 2, "max_train_images": None} if model == "sgan" else {}
    job = ImageJob(ImageGanConfig(**{**SMALL, "model": model, **kw}), mnist)
    assert train_in_turns([job], 6, FairGate(slots=1, share=1.0)) == 6
    assert job.step == 6 and not job.diverged
    assert job.grid().shape[1:] == (28, 28, 1)
    steps, values = job.stats.arrays()
    fig = training_figure(steps, values, job.wasserstein)
    assert len(fig.data) >= 2


def test_a_short_lease_frees_the_cpu_soon_after_the_page_stops(mnist):
    job = small_job(mnist)
    job.train_now(1)
    play = PlayState(gate=FairGate(slots=1, share=1.0), lease_s=0.5)
    play.start()
    play.refresh([job], steps_per_refresh=4, refresh_s=0.5)  # Play's first refresh trains
    play.refresh([job], steps_per_refresh=4, refresh_s=0.5)  # the next starts the trainer
    trainer = play.trainer
    assert trainer is not None and trainer.running
    deadline = time.monotonic() + 30
    while trainer.alive and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not trainer.alive and trainer.stopped is StopReason.IDLE
    assert isinstance(trainer, LiveTrainer) and job.step > 1


def test_warnings_in_plain_words():
    steps = np.arange(10, 410, 10, dtype=float)
    d_wins = {"d_loss": np.full(len(steps), 0.01)}
    text = image_warnings(steps, d_wins, {}, None, 0, None, wasserstein=False)
    assert len(text) == 1 and "D wins every time" in text[0]
    assert image_warnings(steps, d_wins, {}, None, 0, None, wasserstein=True) == []
    healthy = {"d_loss": np.full(len(steps), 0.6)}
    assert image_warnings(steps, healthy, {"classes_covered": 9.0}, None, 0, 10, False) == []
    collapsed = image_warnings(steps, healthy, {"classes_covered": 3.0}, None, 0, 10, False)
    assert len(collapsed) == 1 and "only 3 of 10 classes" in collapsed[0]


def test_charts_show_what_the_model_reports():
    steps = np.array([10.0, 20.0])
    gan = training_figure(steps, {"d_loss": steps, "g_loss": steps, "d_real_logit": steps,
                                  "d_fake_logit": -steps})
    assert [t.name for t in gan.data] == ["d_loss", "g_loss", "D(real)", "D(fake)"]
    assert gan.data[2].y[0] == pytest.approx(1 / (1 + np.exp(-10)))
    wgan = training_figure(steps, {"d_loss": steps, "g_loss": steps, "d_real_logit": steps,
                                   "d_fake_logit": steps, "wasserstein_estimate": steps},
                           wasserstein=True)
    assert [t.name for t in wgan.data][-1] == "estimate"
    vae = training_figure(steps, {"loss": steps, "reconstruction": steps, "kl": steps})
    assert [t.name for t in vae.data] == ["loss", "reconstruction", "kl"]
    quick = quick_figure(steps, {"fid_c": steps, "ndb_over_k": steps}, {"fid_c": "FID-C"})
    assert len(quick.data) == 2 and quick.layout.annotations[0].text == "FID-C"
    assert len(quick_figure(steps, {}, {}).data) == 0


def test_colour_images_train_live_with_pixel_metrics_only(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (96, 32, 32, 3), dtype=np.uint8)
    colour = data.ImageDataset("images:colour.zip", images[:64], None, images[64:], None, None,
                               "96 random colour images")
    config = ImageGanConfig(**{**SMALL, "dataset": colour.name, "model": "dcgan"})
    job = ImageJob(config, colour, classifier=None)
    assert job.train_now(4) == 4
    assert job.grid().shape == (100, 32, 32, 3)
    assert set(job.quick.latest()) == {"ndb_over_k"}   # no classifier for your own pictures
    assert ckpts.load(job.save("colour", root=tmp_path)).image_shape == (32, 32, 3)


def test_shapes_count_their_modes_live_and_say_when_they_collapse():
    from ganviz.image.synthetic import N_MODES, load_shapes

    shapes = load_shapes()
    job = ImageJob(ImageGanConfig(**{**SMALL, "dataset": "shapes", "model": "dcgan"}), shapes)
    quick = job.quick.latest()
    assert {"modes_covered", "high_quality", "ndb_over_k"} <= set(quick)
    assert quick["modes_covered"] < N_MODES   # noise at step 0 is no clean shape
    real = job.evaluator.mode_counter[1](shapes.heldout_images[:500])
    assert real == {"modes_covered": float(N_MODES), "high_quality": 1.0}
    steps = np.array([10.0])
    text = image_warnings(steps, {}, {"modes_covered": 5.0}, None, 0, None, False, N_MODES)
    assert len(text) == 1 and f"only 5 of {N_MODES} modes" in text[0]
