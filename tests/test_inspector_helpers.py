"""ganviz.ui.inspector's plain helpers (no Streamlit run needed): default selection and the
elbow's K values."""

from ganviz.ui.inspector import default_checkpoints, elbow_k_values


def test_default_selection_pairs_a_healthy_and_a_collapsed_model():
    shipped = ["fashion_cdcgan", "fashion_dcgan", "mnist_cdcgan", "mnist_collapsed", "mnist_dcgan"]
    assert default_checkpoints(shipped) == ["mnist_dcgan", "mnist_collapsed"]
    assert default_checkpoints(["mnist_cdcgan", "b"]) == ["mnist_cdcgan", "b"]
    assert default_checkpoints(["a", "b", "c"]) == ["a", "b"]
    assert default_checkpoints(["only"]) == ["only"] and default_checkpoints([]) == []


def test_elbow_k_values_spread_over_the_range():
    assert elbow_k_values(5, 40) == (5, 12, 19, 26, 33, 40)
    assert elbow_k_values(2, 4) == (2, 3, 4)  # duplicates after rounding dropped
    assert elbow_k_values(7, 7) == (7,)
