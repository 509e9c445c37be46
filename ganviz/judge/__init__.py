"""Judge any GAN from what its user has: samples, images, a generator file or a checkpoint.

The layer above the metric maths (``ganviz.eval``, features in, numbers out) and the image
GANs (``ganviz.image``): ``inputs`` / ``sample_files`` read generated and real sets as a user
has them (checkpoints, .npy / .npz, folders or zips of images, .keras generators, dataset
names), ``features`` turns them into feature vectors (classifier, pixels, raw, inception), and
``suite`` runs every metric with a real-vs-real baseline into a ``Scorecard`` (the
``python -m ganviz eval`` command and the inspector's Scorecard view).
"""
