"""Image GANs, one module per stage:

    data         datasets as uint8 arrays with a held-out split (`ImageDataset`)
    models       the model registry `MODELS`, DCGAN / conditional DCGAN builders, `Architecture`
    losses       the loss registry `LOSSES`
    config       `ImageGanConfig` (frozen, validated) and `architecture_for`
    trainer      `ImageGanTrainer`: fused D+G steps, resume state
    evaluation   per-epoch metrics on a fixed z (NDB/K, classifier agreement, class KL)
    callbacks    end-of-epoch work: checkpoint writing, progress lines, user hooks
    train        `train()`: resume, the epoch loop, evaluation, callbacks -> a checkpoint
    card, checkpoints   checkpoint folders: model card, errors, list / load / save
    pixels       [-1, 1] <-> uint8, image grids, PNG bytes
    latent, conditional, classifier   latent paths, label mixing, evaluation classifiers

Importing this package is cheap: TensorFlow is imported inside the functions that need it.

    from ganviz.image import data, train
    from ganviz.image.config import ImageGanConfig
    ds = data.load("fashion_mnist")                   # ImageDataset, uint8 (n, 28, 28, 1)
    config = ImageGanConfig(dataset="fashion_mnist", model="cdcgan", epochs=5)
    result = train.train(config, ds, out="checkpoints/my_fashion")

A new model is a builder plus one `ganviz.image.models.MODELS` entry.
"""
