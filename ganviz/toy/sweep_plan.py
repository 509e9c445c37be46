"""Splitting a sweep's runs into stacks: the compiled engines that train them together.

Runs stacked in one ``ganviz.toy.engine.Engine`` are zero-padded to the stack's largest batch
and widths, so a stack costs its padded work; each stack also costs one XLA compilation.
``plan_stacks`` chooses the split of least modelled time (``ganviz.toy.sweep`` trains it).
"""

from __future__ import annotations

from ganviz.toy.config import ToyConfig


def _mults(latent_dim: int, packing: int, g_hidden, d_hidden) -> int:
    """Multiply-adds of one sample through G and D (the unit of padded work)."""
    g = [latent_dim, *g_hidden, 2]
    d = [2 * packing, *d_hidden, 1]
    return sum(x * y for x, y in zip(g, g[1:])) + sum(x * y for x, y in zip(d, d[1:])) // packing


def run_work(c: ToyConfig) -> int:
    """Work of one step of one run alone: batch x multiply-adds per sample."""
    return c.batch_size * _mults(c.latent_dim, c.packing, c.g_hidden, c.d_hidden)


def padded_work(configs: list[ToyConfig]) -> int:
    """Work of one step of these runs stacked: R x largest batch x largest layers."""
    c0 = configs[0]
    g = tuple(max(w) for w in zip(*(c.g_hidden for c in configs)))
    d = tuple(max(w) for w in zip(*(c.d_hidden for c in configs)))
    batch = max(c.batch_size for c in configs)
    return len(configs) * batch * _mults(c0.latent_dim, c0.packing, g, d)


# Rough costs on a 2-core CPU (measured with benchmarks/sweep_throughput.py; only their ratios
# matter): one XLA compilation, one step's fixed overhead, one multiply-add of padded work.
COMPILE_SECONDS = 6.0
STEP_OVERHEAD_SECONDS = 3e-4
SECONDS_PER_MULT = 5e-10


def plan_stacks(configs: list[ToyConfig], max_stacks: int, steps: int = 2000) -> list[list[int]]:
    """Split runs into at most ``max_stacks`` stacks of least modelled training time.

    A stack costs one compilation, plus per step a fixed overhead and its padded work
    (R x largest batch x largest layers). The runs are put in three orders (by batch then
    width, by width then batch, by own work) and each order is cut into contiguous stacks by
    dynamic programming (exact for that order, O(max_stacks n^2)); the cheapest plan wins.
    Returns sorted lists of indices into ``configs``."""
    def width_key(c: ToyConfig):
        return (c.g_hidden, c.d_hidden)

    orders = [sorted(range(len(configs)), key=key) for key in (
        lambda i: (configs[i].batch_size, width_key(configs[i]), i),
        lambda i: (width_key(configs[i]), configs[i].batch_size, i),
        lambda i: (run_work(configs[i]), i))]
    plans = [_plan_in_order(configs, order, max_stacks, steps) for order in orders]
    cost, groups = min(plans, key=lambda p: (p[0], len(p[1])))
    return sorted(sorted(g) for g in groups)


def _plan_in_order(configs: list[ToyConfig], order: list[int], max_stacks: int,
                   steps: int) -> tuple[float, list[list[int]]]:
    n = len(order)
    k_max = min(max_stacks, n)
    fixed = COMPILE_SECONDS + steps * STEP_OVERHEAD_SECONDS
    c0 = configs[0]
    cost = [[0.0] * (n + 1) for _ in range(n + 1)]
    for a in range(n):
        batch, g, d = 0, (0,) * len(c0.g_hidden), (0,) * len(c0.d_hidden)
        for b in range(a + 1, n + 1):  # running maxima of the group order[a:b]
            c = configs[order[b - 1]]
            batch = max(batch, c.batch_size)
            g = tuple(map(max, g, c.g_hidden))
            d = tuple(map(max, d, c.d_hidden))
            work = (b - a) * batch * _mults(c0.latent_dim, c0.packing, g, d)
            cost[a][b] = fixed + steps * SECONDS_PER_MULT * work
    inf = float("inf")
    best = [[inf] * (n + 1) for _ in range(k_max + 1)]
    cut = [[0] * (n + 1) for _ in range(k_max + 1)]
    best[0][0] = 0.0
    for k in range(1, k_max + 1):
        for b in range(1, n + 1):
            for a in range(k - 1, b):
                v = best[k - 1][a] + cost[a][b]
                if v < best[k][b]:
                    best[k][b], cut[k][b] = v, a
    k = min(range(1, k_max + 1), key=lambda kk: (best[kk][n], kk))
    total, groups, b = best[k][n], [], n
    while k > 0:
        a = cut[k][b]
        groups.append([order[i] for i in range(a, b)])
        b, k = a, k - 1
    return total, groups
