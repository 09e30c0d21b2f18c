"""Routing help: suggest the service (and so the department) for a request from its Chinese text.

A multinomial naive Bayes classifier over character unigrams and bigrams. Chinese needs no word
segmentation for this: 漏水, 电梯, 噪音, 居住证 are two- or three-character words whose bigrams carry the
meaning. It learns from past requests of the sub-district (their final service, after any correction by the
clerk) and from each service's own name, category and keywords, so a new catalogue works on day one.
A few hundred lines of scikit-learn would do the same; this is 60 lines, no dependency, and easy to read.
Accuracy is measured by ``bench/affairs_routing_bench.py``.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Max

from shequ.affairs.models import Service, ServiceRequest

_DROP = re.compile(r"[\s\d\W_]+", re.UNICODE)
TRAINING_LIMIT = 20000  # the most recent requests; older phrasing adds little and costs memory


def features(text: str) -> list[str]:
    """Characters and character pairs of the text, without spaces, digits and punctuation."""
    chars = _DROP.sub("", text.lower())
    return list(chars) + [chars[i:i + 2] for i in range(len(chars) - 1)]


class NaiveBayes:
    """Multinomial naive Bayes with add-one smoothing; labels may be any hashable value."""

    def __init__(self) -> None:
        self.label_docs: Counter[Hashable] = Counter()
        self.label_tokens: dict[Hashable, Counter[str]] = defaultdict(Counter)
        self.label_total: Counter[Hashable] = Counter()
        self.vocabulary: set[str] = set()

    def fit(self, texts: Iterable[str], labels: Iterable[Hashable]) -> NaiveBayes:
        for text, label in zip(texts, labels, strict=True):
            self.add(text, label)
        return self

    def add(self, text: str, label: Hashable, weight: int = 1) -> None:
        tokens = features(text)
        self.label_docs[label] += weight
        for token in tokens:
            self.label_tokens[label][token] += weight
        self.label_total[label] += weight * len(tokens)
        self.vocabulary.update(tokens)

    def rank(self, text: str, k: int = 3) -> list[tuple[Hashable, float]]:
        """The ``k`` most likely labels with their probabilities (normalised over all labels)."""
        if not self.label_docs:
            return []
        tokens = [token for token in features(text) if token in self.vocabulary]
        documents = sum(self.label_docs.values())
        size = len(self.vocabulary) + 1
        scores: dict[Hashable, float] = {}
        for label, count in self.label_docs.items():
            counts, denominator = self.label_tokens[label], self.label_total[label] + size
            score = math.log(count / documents)
            for token in tokens:
                score += math.log((counts[token] + 1) / denominator)
            scores[label] = score
        top = max(scores.values())
        norm = sum(math.exp(score - top) for score in scores.values())
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)[:k]
        return [(label, math.exp(score - top) / norm) for label, score in ranked]


@dataclass(frozen=True)
class Suggestion:
    service: Service
    probability: float

    @property
    def department(self) -> Any:
        return self.service.department


_models: dict[int, tuple[tuple[Any, ...], NaiveBayes]] = {}
_lock = threading.Lock()


def _version(subdistrict_id: int) -> tuple[Any, ...]:
    requests = ServiceRequest.objects.filter(subdistrict_id=subdistrict_id).aggregate(last=Max("pk"))
    services = Service.objects.filter(subdistrict_id=subdistrict_id).aggregate(last=Max("pk"))
    # A new request every few seconds would retrain constantly: round to the hundred.
    return ((requests["last"] or 0) // 100, services["last"], Service.objects.filter(
        subdistrict_id=subdistrict_id, active=True).count())


def train(subdistrict_id: int) -> NaiveBayes:
    model = NaiveBayes()
    active = {s.pk: s for s in Service.objects.filter(subdistrict_id=subdistrict_id, active=True)}
    for service in active.values():
        model.add(" ".join((service.name, service.category, service.keywords)), service.pk)
    past = (ServiceRequest.objects.filter(subdistrict_id=subdistrict_id, service_id__in=list(active))
            .order_by("-pk").values_list("description", "service_id")[:TRAINING_LIMIT])
    for description, service_id in past:
        model.add(description, service_id)
    return model


def model_for(subdistrict_id: int) -> NaiveBayes:
    version = _version(subdistrict_id)
    with _lock:
        cached = _models.get(subdistrict_id)
        if cached is not None and cached[0] == version:
            return cached[1]
    model = train(subdistrict_id)
    with _lock:
        _models[subdistrict_id] = (version, model)
    return model


def suggest(subdistrict_id: int | None, text: str, k: int = 3) -> list[Suggestion]:
    """The ``k`` most likely active services for this text, best first."""
    if subdistrict_id is None or not features(text):
        return []
    ranked = model_for(subdistrict_id).rank(text, k)
    services = Service.objects.select_related("department").in_bulk([label for label, _ in ranked])
    return [Suggestion(services[label], probability) for label, probability in ranked  # type: ignore[index]
            if label in services]


def top_k_accuracy(model: NaiveBayes, texts: Sequence[str], labels: Sequence[Hashable], k: int) -> float:
    hits = sum(1 for text, label in zip(texts, labels, strict=True)
               if label in [ranked for ranked, _ in model.rank(text, k)])
    return hits / len(texts) if texts else 0.0
