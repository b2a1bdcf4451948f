"""bench/scorer_loso.py: the experiment's own machinery (no model, no labelled data needed).

The decisive property is that nothing about a held-out source reaches its prediction: flipping its labels
must leave its predictions unchanged.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def loso_mod() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scorer_loso", ROOT / "bench" / "scorer_loso.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def synthetic(n_per: int = 30, seed: int = 1) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Six sources over two languages; the label depends on the first two coordinates plus noise."""
    rng = np.random.default_rng(seed)
    rows, xs, ys = [], [], []
    for k, (lang, src) in enumerate([("en", "a"), ("en", "b"), ("en", "c"), ("zh", "a"), ("zh", "d"),
                                     ("zh", "e")]):
        x = rng.normal(size=(n_per, 8)) + 0.3 * k  # each source shifted: a source effect, as in real text
        y = (x[:, 0] - x[:, 1] + rng.normal(scale=0.5, size=n_per)) > 0
        xs.append(x)
        ys.append(y)
        rows += [{"src": src, "group": f"{lang}/{src}", "lang": lang, "batch": "b1"} for _ in range(n_per)]
    return np.vstack(xs), np.concatenate(ys), rows


def test_fit_lr_separates_a_linear_problem(loso_mod: ModuleType) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 5))
    y = x @ np.array([2.0, -1.0, 0.0, 0.0, 0.5]) > 0.2
    model = loso_mod.fit_lr(x[:200], y[:200], alpha=1.0)
    acc = ((loso_mod.predict_lr(model, x[200:]) >= 0.5) == y[200:]).mean()
    assert acc > 0.9
    strong = loso_mod.fit_lr(x[:200], y[:200], alpha=1e5)  # heavy L2: weights shrink towards zero
    assert np.abs(strong[2][:-1]).max() < np.abs(model[2][:-1]).max() / 10


@pytest.mark.parametrize("held", ["en/b", "zh/d", "en/a"])
def test_held_out_labels_never_reach_their_predictions(loso_mod: ModuleType, held: str) -> None:
    x, y, rows = synthetic()
    rules = (x[:, 0] > 1.0)  # a fake rule: precise, low recall
    groups = np.array([r["group"] for r in rows])
    first = loso_mod.loso(x, y, rows, [rules])
    flipped = y.copy()
    flipped[groups == held] = ~flipped[groups == held]
    second = loso_mod.loso(x, flipped, rows, [rules])
    m = groups == held
    assert np.array_equal(first["prob"][m], second["prob"][m])
    assert np.array_equal(first["combo0"][m], second["combo0"][m])
    assert first["choices"][held] == second["choices"][held]
    # Other groups trained on the flipped labels, so something elsewhere did change: the test can fail.
    assert not np.array_equal(first["prob"][~m], second["prob"][~m])


def test_same_prefix_in_the_other_language_is_held_out_too(loso_mod: ModuleType,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    x, y, rows = synthetic()
    seen: list[int] = []
    real_fit = loso_mod.fit_lr

    def spy(xt: np.ndarray, yt: np.ndarray, alpha: float) -> Any:
        seen.append(len(xt))
        return real_fit(xt, yt, alpha)

    monkeypatch.setattr(loso_mod, "fit_lr", spy)
    loso_mod.loso(x, y, rows[:], [np.zeros(len(y), bool)])
    # Holding out en/a or zh/a trains on 4 sources (120 rows), never 5: source "a" is out in both languages.
    assert max(seen) == 150 and 120 in seen


def test_same_lang_trains_on_the_held_out_language_only(loso_mod: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    x, y, rows = synthetic()
    seen: list[int] = []
    real_fit = loso_mod.fit_lr

    def spy(xt: np.ndarray, yt: np.ndarray, alpha: float) -> Any:
        seen.append(len(xt))
        return real_fit(xt, yt, alpha)

    monkeypatch.setattr(loso_mod, "fit_lr", spy)
    loso_mod.loso(x, y, rows, [np.zeros(len(y), bool)], same_lang=True)
    # Three sources per language, one held out: at most two sources (60 rows) of the same language train.
    assert max(seen) == 60


def test_combination_only_adds_verdicts_to_the_rules(loso_mod: ModuleType) -> None:
    x, y, rows = synthetic(seed=3)
    rules = x[:, 0] - x[:, 1] > 1.5
    res = loso_mod.loso(x, y, rows, [rules])
    assert np.all(res["combo0"] | ~rules)  # every rules verdict survives


@pytest.mark.parametrize(("wins", "losses", "p"), [(0, 5, 0.0625), (6, 5, 1.0), (0, 0, 1.0), (10, 0, 2 / 1024)])
def test_sign_test(loso_mod: ModuleType, wins: int, losses: int, p: float) -> None:
    assert loso_mod.sign_test(wins, losses) == pytest.approx(p)


def test_skips_cleanly_without_data(loso_mod: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert loso_mod.main([str(tmp_path)]) == 0
    assert "skipped" in capsys.readouterr().out


def test_unknown_commit_is_a_clear_skip(loso_mod: ModuleType) -> None:
    with pytest.raises(loso_mod.ExperimentSkip, match="no such commit"):
        loso_mod.git_commit("0" * 40)


def test_rule_verdicts_from_the_working_tree(loso_mod: ModuleType) -> None:
    rows = [
        {"id": "t:1", "text": "Emailed support five times over two weeks and nobody has replied", "lang": "en",
         "created_at": None},
        {"id": "t:2", "text": "Love the new wallet design, swaps are quick", "lang": "en", "created_at": None},
        {"id": "t:3", "text": "客服一个星期都不回复，提币还卡着", "lang": "zh", "created_at": None},
    ]
    assert loso_mod.rule_verdicts(rows, None).tolist() == [True, False, True]
