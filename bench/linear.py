"""Benchmark: time per KB of each loader and the segmenter on adversarial text, at 4 KB and at 64 KB.

    .venv/bin/python bench/linear.py [--large 64] [--random 10]

For every unit in ``tests/adversarial.py`` that once made a reader slow (``KNOWN``), and ``--random`` more
made of its pieces, the text is that unit repeated to 4 KB and to ``--large`` KB; printed: ms per KB at each
size and their ratio (about 1 for a reader linear in its input; the property test allows 3). Each time is the
fastest of several runs, so a busy machine disturbs the figures less.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.adversarial import KNOWN, PIECES, READERS, per_kb_ratio  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--large", type=int, default=64, help="the larger size, in KB")
    parser.add_argument("--random", type=int, default=4, help="random units per reader, besides the known ones")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"{'reader':10} {'unit':28} {'ms/KB 4 KB':>11} {f'ms/KB {args.large} KB':>12} {'ratio':>6}")
    worst = 0.0
    for name, reader in READERS.items():
        units = list(KNOWN.get(name, [])) + ["".join(rng.choice(PIECES[name]) for _ in range(rng.randint(1, 6)))
                                             for _ in range(args.random)]
        for unit in units:
            small, large, ratio = per_kb_ratio(reader, unit, 4, args.large)
            worst = max(worst, ratio)
            print(f"{name:10} {unit!r:28.28} {small:11.3f} {large:12.3f} {ratio:6.2f}", flush=True)
    print(f"worst ratio: {worst:.2f}")


if __name__ == "__main__":
    main()
