"""Image GANs: datasets (`data`), DCGAN / conditional DCGAN builders (`models`), the fused
training loop (`train`) and the small evaluation classifiers (`classifier`).

Importing this package is cheap: TensorFlow is imported inside the functions that need it.

    from ganviz.image import data, models, train
    ds = data.load("fashion_mnist")                   # ImageDataset, uint8 (n, 28, 28, 1)
    config = train.ImageGanConfig(dataset="fashion_mnist", model="cdcgan", epochs=5)
    result = train.train(config, ds, out="checkpoints/my_fashion")
"""
