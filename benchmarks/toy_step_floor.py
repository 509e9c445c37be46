"""What one bench-config training step asks of XLA's CPU kernels, and how fast they run here.

    python benchmarks/toy_step_floor.py

Reads the compiled step of the bench config (ring8, batch 256, G and D 2 x 32 leaky ReLU, latent
2, Adam, non_saturating) from XLA's optimised HLO: its matrix products (and their FLOPs) and its
other kernels (and the values they write). Then times, in an XLA while loop as the engine runs
them, a 256x32 @ 32x32 product and element-wise kernels over 256 x 32 values, and prints the
step time those rates imply if every kernel ran back to back on one core with no overhead: a
lower bound, to set beside ``benchmarks/toy_throughput.py`` and its 3,000 steps/s target (333 us).
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._context import machine_context  # noqa: E402

_DEF = re.compile(r"^\s*(?:ROOT )?%([\w.\-]+) = \(?(\w+)\[([\d,]*)\]")


def _elements(dims: str) -> int:
    n = 1
    for d in dims.split(","):
        if d:
            n *= int(d)
    return n


def step_kernels(hlo: str) -> dict:
    """Matrix products and other kernels in the while loop's body of an optimised HLO module."""
    bodies = re.split(r"\n(?=%\S+ \(|ENTRY )", hlo)
    body = max((b for b in bodies if "while_body" in b.split("(", 1)[0]), key=len)
    shapes = {m.group(1): m.group(3) for m in map(_DEF.match, body.splitlines()) if m}
    dot_flops, dots, others, values = 0, 0, 0, 0
    for line in body.splitlines():
        m = _DEF.match(line)
        if not m:
            continue
        op = line.split("=", 1)[1]
        if re.search(r"\bdot\(", op):
            dots += 1
            lhs = re.search(r"dot\(%([\w.\-]+)", op).group(1)
            dims = re.search(r"lhs_contracting_dims=\{([\d,]*)\}", op).group(1)
            contracting = [int(i) for i in dims.split(",")]
            lhs_dims = [int(d) for d in shapes[lhs].split(",")]
            k = 1
            for i in contracting:
                k *= lhs_dims[i]
            dot_flops += 2 * _elements(m.group(3)) * k
        elif re.search(r"\b(fusion|slice|copy|concatenate)\(", op):
            others += 1
            values += _elements(m.group(3))
    return {"dots": dots, "dot_flops": dot_flops, "kernels": others, "values": values}


def loop_time_us(op, x, iters: int = 5000) -> float:
    """Microseconds per iteration of ``x = op(x)`` in an XLA-compiled while loop, best of 3."""
    import tensorflow as tf

    @tf.function(jit_compile=True)
    def run(x):
        return tf.while_loop(lambda i, x: i < iters, lambda i, x: (i + 1, op(x)), [0, x])[1]

    run(x).numpy()
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        run(x).numpy()
        best = min(best, (time.perf_counter() - t0) / iters * 1e6)
    return best


def main() -> None:
    import tensorflow as tf

    from ganviz.toy.config import ToyConfig
    from ganviz.toy.presets import BENCH
    from ganviz.toy.trainer import ToyTrainer

    print(machine_context())
    trainer = ToyTrainer(ToyConfig(**BENCH), chunk=1000)
    engine = trainer.engine
    fn = engine.train_fn("both")
    hlo = fn.experimental_get_compiler_ir(trainer.state, tf.constant(10),
                                          engine.ctx)(stage="optimized_hlo")
    k = step_kernels(hlo)
    print(f"one step: {k['dots']} matrix products, {k['dot_flops'] / 1e6:.2f} MFLOP; "
          f"{k['kernels']} other kernels writing {k['values']:,} values")

    tf.random.set_seed(0)
    x = tf.random.normal([256, 32])
    w = tf.random.normal([32, 32]) / 5.66  # keeps the values' scale, no overflow or denormals
    mul = loop_time_us(lambda x: x * 0.999, x)
    leaky = loop_time_us(lambda x: tf.nn.leaky_relu(-x, 0.2), x)
    dot_act = loop_time_us(lambda x: tf.nn.leaky_relu(tf.matmul(x, w), 0.2) * 1.4, x)
    dot_us = max(dot_act - leaky, 1e-3)
    gflops = 2 * 256 * 32 * 32 / dot_us / 1e3
    print(f"XLA kernels here: 256x32 @ 32x32 product ~{dot_us:.1f} us ({gflops:.0f} GFLOP/s, "
          f"product + leaky ReLU {dot_act:.1f} us); element-wise over 256x32: "
          f"multiply {mul:.2f} us ({mul * 1e3 / 8192:.2f} ns a value), "
          f"leaky ReLU {leaky:.2f} us ({leaky * 1e3 / 8192:.2f} ns)")
    lo = k["dot_flops"] / (gflops * 1e3) + k["values"] * mul / 8192
    hi = k["dot_flops"] / (gflops * 1e3) + k["values"] * leaky / 8192
    print(f"implied step time, kernels back to back, no overhead: {lo:.0f}-{hi:.0f} us, "
          f"i.e. at most {1e6 / hi:,.0f}-{1e6 / lo:,.0f} steps/s on one core "
          f"(target 3,000 = 333 us)")


if __name__ == "__main__":
    main()
