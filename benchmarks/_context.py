"""Machine context printed by every benchmark, so numbers are read with their machine."""

from __future__ import annotations

import os
import platform


def machine_context() -> str:
    import numpy

    parts = [f"python {platform.python_version()}", f"{os.cpu_count()} CPUs",
             platform.processor() or platform.machine(), f"numpy {numpy.__version__}"]
    try:
        import tensorflow as tf

        parts.append(f"tensorflow {tf.__version__}")
        gpus = tf.config.list_physical_devices("GPU")
        parts.append(f"{len(gpus)} GPU" if gpus else "no GPU")
    except ImportError:
        pass
    try:
        load = os.getloadavg()[0]
        parts.append(f"load avg {load:.2f}")
    except OSError:
        pass
    return "machine: " + ", ".join(parts)
