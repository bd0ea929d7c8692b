"""bench/fit_quote.py's fit: the per-question choice term's derivatives are those of its loss,
Newton's method ends where the whole loss is flat, and the choice term does what it is for:
it ranks within a question, where the pointwise fit also learns which questions are easy."""

from __future__ import annotations

import sys

import numpy as np

from tests.support.paths import ROOT

sys.path.append(str(ROOT / "bench"))
import fit_quote  # noqa: E402


def synthetic(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Questions of 8 candidates, one answering; column 1 says which (noisily), column 2 is
    the same for every candidate of a question and high for most answering rows of the set."""
    rng = np.random.default_rng(seed)
    rows, labels, owner = [], [], []
    for q in range(300):
        answer = rng.integers(8)
        easy = rng.normal()
        for c in range(8):
            rows.append([1.0, float(c == answer) + rng.normal(0, 0.8), easy + rng.normal(0, 0.1)])
            labels.append(float(c == answer))
            owner.append(q)
    return np.array(rows), np.array(labels), np.array(owner)


def test_the_choice_gradient_and_hessian_match_finite_differences() -> None:
    x, y, q = synthetic()
    z = (x - x.mean(0)) / np.where(x.std(0) > 0, x.std(0), 1.0)
    z[:, 0] = 1.0
    choice = fit_quote.QuestionChoice(z, y, q, np.ones(len(y)))
    w = np.array([0.1, 0.7, -0.3])
    gradient, hessian = choice.derivatives(z @ w)
    eps = 1e-5
    for i in range(3):
        step = np.eye(3)[i] * eps
        numeric = (choice.loss(z @ (w + step)) - choice.loss(z @ (w - step))) / (2 * eps)
        assert abs(numeric - gradient[i]) < 1e-4 * max(1.0, abs(numeric))
        g_plus, _ = choice.derivatives(z @ (w + step))
        g_minus, _ = choice.derivatives(z @ (w - step))
        np.testing.assert_allclose((g_plus - g_minus) / (2 * eps), hessian[i], rtol=1e-3, atol=1e-3)


def test_the_fit_ends_where_the_whole_loss_is_flat() -> None:
    x, y, q = synthetic(1)
    mean, scale, w = fit_quote.logistic(x, y, l2=1.0, question=q, listwise=4.0)
    z = (x - np.array(mean)) / np.array(scale)
    a = z @ np.array(w)
    p = 1 / (1 + np.exp(-a))
    gradient = z.T @ (p - y) + np.array([0.0, 1.0, 1.0]) * np.array(w)
    gradient += 4.0 * fit_quote.QuestionChoice(z, y, q, np.ones(len(y))).derivatives(a)[0]
    assert np.abs(gradient).max() < 1e-4


def shifted(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The answer is the candidate with the highest a + b, but a is read with an offset shared
    by every candidate of its question (a retrieval score is high or low for a whole question)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(400, 8))
    b = rng.normal(size=(400, 8))
    y = (a + b == (a + b).max(axis=1, keepdims=True)).astype(float)
    seen = a + rng.normal(0, 3, size=(400, 1))
    x = np.column_stack([np.ones(a.size), seen.ravel(), b.ravel()])
    return x, y.ravel(), np.repeat(np.arange(400), 8)


def top_one(weights: tuple[float, ...], mean: tuple[float, ...], scale: tuple[float, ...],
            x: np.ndarray, y: np.ndarray) -> float:  # fmt: skip
    score = ((x - np.array(mean)) / np.array(scale)) @ np.array(weights)
    return float(y.reshape(-1, 8)[np.arange(400), score.reshape(-1, 8).argmax(axis=1)].mean())


def test_the_choice_term_ranks_within_a_question_where_the_pointwise_fit_cannot() -> None:
    """Pointwise, the offset hides how much a tells; within a question it cancels, so the fit
    with the choice term weighs a as it should and picks the answer more often on new data."""
    x, y, q = shifted(2)
    test_x, test_y, _ = shifted(3)
    mean, scale, pointwise = fit_quote.logistic(x, y, l2=1.0)
    mixed = fit_quote.logistic(x, y, l2=1.0, question=q, listwise=4.0)[2]
    assert top_one(mixed, mean, scale, test_x, test_y) > top_one(pointwise, mean, scale, test_x,
                                                                 test_y) + 0.05
