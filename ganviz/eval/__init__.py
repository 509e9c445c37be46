"""Evaluation metrics for generated samples. Pure NumPy / scikit-learn / SciPy maths that
knows nothing about images or models: feature extraction happens elsewhere.

- ``ganviz.eval.ndb``: NDB, the Number of statistically Different Bins, and JS divergence
  (Richardson & Weiss 2018, "On GANs and GMMs").
"""
