"""
The shape of a generated course: sections, subsections and units, with component counts that add
up to exactly the requested block total, and component types in fixed proportions.
"""

from __future__ import annotations

import math
import random

__all__ = ["LEAF_MIX", "Outline", "leaf_types", "plan_outline"]

# Component types and their share of the components, in the order they appear inside a unit.
LEAF_MIX: tuple[tuple[str, float], ...] = (
    ("html", 0.70),
    ("video", 0.08),
    ("problem", 0.20),
    ("discussion", 0.02),
)
# chapters -> subsections -> units -> number of components in the unit
Outline = list[list[list[int]]]


def plan_outline(blocks: int, seed: int) -> Outline:
    """Sections, subsections and units, with component counts adding up to exactly ``blocks``."""
    scale = blocks / 20_000
    per_unit = min(max(9 * scale**0.15, 2.5), 12.0)
    chapters = min(max(round(20 * scale**0.3), 1), 20)
    shrink = 1.0
    for attempt in range(1000):
        rng = random.Random(f"{seed}:outline:{attempt}")
        per_chapter = (blocks - 1) / chapters
        # f subsections of f units of per_unit components: f * (1 + f * (per_unit + 1)) = per_chapter - 1
        a = per_unit + 1
        fanout = (math.sqrt(1 + 4 * a * max(per_chapter - 1, 0.0)) - 1) / (2 * a) * shrink

        def vary(mean: float, rng: random.Random = rng) -> int:
            return max(1, round(mean * rng.uniform(0.7, 1.3)))

        shape = [[vary(fanout) for _ in range(vary(fanout))] for _ in range(chapters)]
        units = sum(sum(chapter) for chapter in shape)
        leaves = blocks - 1 - chapters - sum(len(chapter) for chapter in shape) - units
        if leaves >= units:
            return _spread(shape, leaves, rng)
        if chapters > 1:
            chapters -= 1
        else:
            shrink *= 0.8
    raise AssertionError("unreachable: one section of one unit always fits")  # pragma: no cover


def _spread(shape: list[list[int]], leaves: int, rng: random.Random) -> Outline:
    """Give every unit at least one component and share the rest unevenly (largest remainder)."""
    weights = [rng.uniform(0.35, 1.65) for chapter in shape for units in chapter for _ in range(units)]
    extra = leaves - len(weights)
    total = sum(weights)
    quotas = [extra * w / total for w in weights]
    counts = [1 + int(q) for q in quotas]
    short = leaves - sum(counts)
    for i in sorted(range(len(quotas)), key=lambda i: (int(quotas[i]) - quotas[i], i))[:short]:
        counts[i] += 1
    it = iter(counts)
    return [[[next(it) for _ in range(units)] for units in chapter] for chapter in shape]


def leaf_types(leaves: int, rng: random.Random) -> list[str]:
    """Component types in the LEAF_MIX proportions (largest remainder), shuffled."""
    quotas = [(kind, leaves * share) for kind, share in LEAF_MIX]
    counts = {kind: int(q) for kind, q in quotas}
    short = leaves - sum(counts.values())
    for kind, _q in sorted(quotas, key=lambda kq: int(kq[1]) - kq[1])[:short]:
        counts[kind] += 1
    types = [kind for kind, _share in LEAF_MIX for _ in range(counts[kind])]
    rng.shuffle(types)
    return types
