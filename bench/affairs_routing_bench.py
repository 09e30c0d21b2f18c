"""Accuracy of routing help (the service suggested from a request's Chinese text), top-1 and top-3.

    .venv/bin/python bench/affairs_routing_bench.py            # --train 3000 --test 1000 --seed 20261124

No database is needed. The classifier (``shequ.affairs.routing.NaiveBayes``, character unigrams and bigrams)
is trained the way the platform trains it: one pseudo-document per service (name, category, keywords) plus
past requests; then it ranks the services for a held-out set of requests. The request texts are synthetic
(``shequ.affairs.samples``: opening + place + one phrasing of the problem + closing, in the services'
relative frequencies); a quarter of each service's phrasings appear only in the held-out set, and the
figures are given separately for those unseen phrasings. Printed against two baselines: always the most
frequent service(s) of the training set, and the classifier with the catalogue only (a new sub-district with
no past requests yet).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Hashable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
os.environ.setdefault("SHEQU_TESTING", "1")  # development keys: nothing here touches real data

import django

django.setup()

from shequ.affairs.routing import NaiveBayes, top_k_accuracy  # noqa: E402
from shequ.affairs.samples import SERVICES, Sample, generate  # noqa: E402


def catalogue_model() -> NaiveBayes:
    model = NaiveBayes()
    for service in SERVICES:
        model.add(" ".join((service.name, service.category, service.keywords)), service.code)
    return model


def baseline(train: Sequence[Sample], test: Sequence[Sample], k: int) -> float:
    common = [code for code, _ in Counter(s.code for s in train).most_common(k)]
    return sum(1 for s in test if s.code in common) / len(test)


def line(name: str, model: NaiveBayes, test: Sequence[Sample]) -> tuple[float, float]:
    texts = [s.text for s in test]
    labels: list[Hashable] = [s.code for s in test]
    top1, top3 = top_k_accuracy(model, texts, labels, 1), top_k_accuracy(model, texts, labels, 3)
    print(f"  {name:<44} top-1 {top1:6.1%}   top-3 {top3:6.1%}")
    return top1, top3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", type=int, default=3000, help="past requests to learn from")
    parser.add_argument("--test", type=int, default=1000, help="held-out requests to rank")
    parser.add_argument("--seed", type=int, default=20261124)
    args = parser.parse_args()
    train = generate(args.train, seed=args.seed, training=True)
    test = generate(args.test, seed=args.seed + 1, training=False)
    unseen = [s for s in test if s.unseen]
    model = catalogue_model()
    for sample in train:
        model.add(sample.text, sample.code)
    print(f"routing help: {len(SERVICES)} services, {len(train)} past requests, {len(test)} held-out "
          f"({len(unseen)} in phrasings never trained on); seed {args.seed}")
    print(f"  {'baseline: most frequent service(s)':<44} top-1 {baseline(train, test, 1):6.1%}   "
          f"top-3 {baseline(train, test, 3):6.1%}")
    line("catalogue only (no past requests)", catalogue_model(), test)
    top1, top3 = line("naive Bayes, all held-out", model, test)
    line("naive Bayes, unseen phrasings only", model, unseen)
    ratio1, ratio3 = top1 / baseline(train, test, 1), top3 / baseline(train, test, 3)
    print(f"  ratio to baseline: top-1 ×{ratio1:.1f}, top-3 ×{ratio3:.1f}")


if __name__ == "__main__":
    main()
