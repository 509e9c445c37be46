"""Streamlit and TensorFlow in one process: keep TensorFlow's caches between script runs.

Streamlit 1.67 calls ``keras.backend.clear_session()`` after every script run, fragment reruns
included, whenever ``keras`` is imported (``ScriptRunner._run_script`` ->
``_clean_problem_modules``), and importing TensorFlow imports keras. ``clear_session()`` runs
a full ``gc.collect()`` (slow with TensorFlow loaded, and it holds the GIL, so every other
session and the training threads wait) and empties TensorFlow's eager kernel cache, so the
next call of any ``tf.function`` rebuilds its kernels: the Toy GAN Lab's snapshot became many
times slower after it, and a live view that reruns five times a second paid it every refresh.

ganviz keeps no per-run Keras graph state that would need clearing (models live in session
state or ``st.cache_resource``; Keras 3 is eager), so the cleanup only costs. Matplotlib's part
of the same cleanup is kept.
"""

from __future__ import annotations

import sys


def keep_tensorflow_caches() -> bool:
    """Make Streamlit's per-run cleanup skip Keras (idempotent). Returns False, changing
    nothing, if this Streamlit version lacks the hook."""
    try:
        from streamlit.runtime.scriptrunner import script_runner
    except ImportError:
        return False
    current = getattr(script_runner, "_clean_problem_modules", None)
    if current is None:
        return False
    if getattr(current, "keeps_tensorflow_caches", False):
        return True

    def clean_problem_modules() -> None:
        """Streamlit's cleanup without keras.backend.clear_session() (see the module doc)."""
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:
            try:
                plt.close("all")
            except Exception:  # as Streamlit does: never crash the app over a cleanup
                pass

    clean_problem_modules.keeps_tensorflow_caches = True  # type: ignore[attr-defined]
    script_runner._clean_problem_modules = clean_problem_modules
    return True
