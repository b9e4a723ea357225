#!/usr/bin/env python3
"""Offline fusion study over the quality benchmark's candidate dump.

Usage: PAPERBOY_QUALITY_DUMP=/tmp/dump.json scripts/bench-quality 3000, then
       .cache/venv/bin/python scripts/fit-fusion.py /tmp/dump.json [--refit]

Reproduces the shipped fusion (`fusion::gated_fusion`, its coefficients below), the earlier
`confident_fusion` and the even z-score fusion from the dumped keyword (BM25) and semantic
(cosine) lists and each query's evidence, and reports them per kind on all queries, the held-out
half (odd positions of each kind) and the tuning half (even positions). With --refit it fits the
share model's coefficients again on the tuning half. Also a pairwise logistic rescoring of the
union (`pairwise`), tried and not shipped. Needs numpy only.
"""
import json, math, sys
import numpy as np

KINDS = ["title", "description", "name", "paraphrase", "low-overlap", "topic"]

def load(path):
    qs = json.load(open(path))
    pos = {}
    for q in qs:
        k = q["kind"]
        q["pos"] = pos.get(k, 0)
        pos[k] = q["pos"] + 1
        q["rel"] = set(q["relevant"])
    return qs

def standardised(lst, pool=100):
    if not lst:
        return {}, 0.0, 0.0
    pad = max(pool - len(lst), 0)
    n = len(lst) + pad
    sc = [s for _, s in lst]
    mean = sum(sc) / n
    sq = sum((s - mean) ** 2 for s in sc) + pad * mean * mean
    dev = math.sqrt(sq / n)
    z = lambda s: (s - mean) / dev if dev > 0 else 0.0
    lowest = min(sc)
    floor = min(lowest, 0.0) if pad > 0 else lowest
    return {i: z(s) for i, s in lst}, z(floor), max([z(s) for s in sc] + [0.0])

def order_union(q):
    seen, out = set(), []
    for i, _ in q["lexical"] + q["semantic"]:
        if i not in seen:
            seen.add(i); out.append(i)
    return out

def rank(q, scores):
    """scores: dict id->score; ties by first appearance."""
    u = order_union(q)
    idx = {i: k for k, i in enumerate(u)}
    return sorted(u, key=lambda i: (-scores[i], idx[i]))

def lexical_share(lt, st, sharp=4.0, hand=1.0):
    return 1 / (1 + math.exp(-sharp * (lt - st - hand)))

def fuse_confident(q):
    lz, lf, lt = standardised(q["lexical"])
    sz, sf, st = standardised(q["semantic"])
    w = lexical_share(lt, st)
    return {i: w * lz.get(i, lf) + (1 - w) * sz.get(i, sf) for i in order_union(q)}

def fuse_even(q):
    lz, lf, lt = standardised(q["lexical"])
    sz, sf, st = standardised(q["semantic"])
    return {i: 0.5 * lz.get(i, lf) + 0.5 * sz.get(i, sf) for i in order_union(q)}

def metrics(qs, ranker, half=None):
    """per kind: (recall@10, mrr@10) or P@10 for topics."""
    out = {}
    for k in KINDS:
        sel = [q for q in qs if q["kind"] == k and (half is None or q["pos"] % 2 == half)]
        if not sel:
            continue
        rec = mrr = p = 0.0
        for q in sel:
            top = ranker(q)[:10]
            if k == "topic":
                p += sum(1 for i in top if i in q["rel"]) / 10
            else:
                for r, i in enumerate(top):
                    if i in q["rel"]:
                        rec += 1; mrr += 1 / (r + 1); break
        n = len(sel)
        out[k] = (n, rec / n, mrr / n, p / n)
    return out

def lex_ranker(q): return [i for i, _ in q["lexical"]]
def sem_ranker(q): return [i for i, _ in q["semantic"]]
def fused_ranker(f): return lambda q: rank(q, f(q))

def table(qs, rankers, half=None):
    ms = {name: metrics(qs, r, half) for name, r in rankers}
    print("| queries | " + " | ".join(n for n, _ in rankers) + " |")
    print("| --- |" + " --- |" * len(rankers))
    for k in KINDS:
        if k not in ms[rankers[0][0]]:
            continue
        n = ms[rankers[0][0]][k][0]
        cells = []
        for name, _ in rankers:
            _, rec, mrr, p = ms[name][k]
            cells.append(f"{p:.3f}" if k == "topic" else f"{rec:.3f} / {mrr:.3f}")
        print(f"| {k} ({n}) | " + " | ".join(cells) + " |")
    cells = []
    for name, _ in rankers:
        m = ms[name]
        cells.append(f"{np.mean([m[k][2] for k in KINDS if k != 'topic' and k in m]):.3f}")
    print("| mean MRR@10, known items | " + " | ".join(cells) + " |")
    return ms
def cand_features(q, names):
    """returns ids (union order), matrix of features."""
    lex, sem = q["lexical"], q["semantic"]
    lz, lf, lt = standardised(lex)
    sz, sf, st = standardised(sem)
    w = max(q.get("weight", 1.0), 1e-3)
    bm = dict(lex); cs = dict(sem)
    lfloor = (min(bm.values()) if len(lex) >= 100 else 0.0) if lex else 0.0
    sfloor = min(cs.values()) if sem else 0.0
    ltop = lex[0][1] / w if lex else 0.0
    stop = sem[0][1] if sem else 0.0
    lrank = {i: r for r, (i, _) in enumerate(lex)}
    srank = {i: r for r, (i, _) in enumerate(sem)}
    ids = order_union(q)
    rows = []
    for i in ids:
        f = {}
        f["lz"] = lz.get(i, lf)
        f["sz"] = sz.get(i, sf)
        cov = bm.get(i, lfloor) / w
        cos = cs.get(i, sfloor)
        f["cov"] = cov
        f["cos"] = cos
        f["covgap"] = cov - ltop
        f["cosgap"] = cos - stop
        f["both"] = 1.0 if (i in bm and i in cs) else 0.0
        f["lrr"] = 1.0 / (1 + lrank.get(i, 100))
        f["srr"] = 1.0 / (1 + srank.get(i, 100))
        f["lz_ltop"] = f["lz"] * ltop
        f["sz_stop"] = f["sz"] * stop
        f["lz_lzt"] = f["lz"] * lt
        f["sz_szt"] = f["sz"] * st
        f["lz_share"] = f["lz"] * lexical_share(lt, st)
        f["sz_share"] = f["sz"] * (1 - lexical_share(lt, st))
        f["cov_ltop"] = cov * ltop
        f["cos_stop"] = cos * stop
        f["lz_stop"] = f["lz"] * stop
        f["sz_ltop"] = f["sz"] * ltop
        rows.append([f[n] for n in names])
    return ids, np.array(rows, dtype=float)

def pairs(qs, names, kinds_weight=None):
    X, W = [], []
    for q in qs:
        ids, F = cand_features(q, names)
        rel = [k for k, i in enumerate(ids) if i in q["rel"]]
        non = [k for k, i in enumerate(ids) if i not in q["rel"]]
        if not rel or not non:
            continue
        if q["kind"] == "topic":
            # only pairs of relevant vs non-relevant near the top of either list matter
            pass
        D = (F[rel][:, None, :] - F[non][None, :, :]).reshape(-1, F.shape[1])
        wq = (kinds_weight or {}).get(q["kind"], 1.0) / len(D)
        X.append(D); W.append(np.full(len(D), wq))
    return np.vstack(X), np.concatenate(W)

def fit(X, W, l2=1e-3, iters=50):
    """logistic regression on differences (label 1, no intercept), Newton."""
    d = X.shape[1]
    w = np.zeros(d)
    for _ in range(iters):
        m = X @ w
        p = 1 / (1 + np.exp(-m))
        g = X.T @ (W * (p - 1)) + l2 * w
        H = (X * (W * p * (1 - p))[:, None]).T @ X + l2 * np.eye(d)
        step = np.linalg.solve(H, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w

def linear_ranker(names, w):
    def r(q):
        ids, F = cand_features(q, names)
        s = F @ w
        idx = {i: k for k, i in enumerate(ids)}
        return [ids[k] for k in sorted(range(len(ids)), key=lambda k: (-s[k], k))]
    return r

NAMES = ["lz", "sz", "cov", "cos", "both", "lz_ltop", "sz_stop"]

# The shipped model (`fusion::gated_fusion`): the keyword share of the vote is a logistic
# function of the query's evidence: the z-score lead of the keyword list's best over the
# semantic list's, how much of the query's words the keyword list's first paper holds (the
# dump's `lexical_share`), the semantic list's best cosine, how much the semantic first paper
# holds, the keyword first paper's lead in words held over the third, and the query's keyword
# weight / 100. Fitted by random search and local refinement of mean per-kind quality (MRR@10;
# P@10 for topics) on the tuning half, every kind falling below the better single method there
# penalised five-fold.
SHARE_FEATURES = ["bias", "z lead", "keyword first holds", "semantic best cosine",
                  "semantic first holds", "keyword first lead", "keyword weight / 100"]

def share_inputs(q):
    lz, lf, lt = standardised(q["lexical"])
    sz, sf, st = standardised(q["semantic"])
    held = (q.get("lexical_share") or []) + [0.0, 0.0, 0.0]
    s1 = (q.get("semantic_share") or [0.0])[0]
    cos = q["semantic"][0][1] if q["semantic"] else 0.0
    qf = np.array([1.0, lt - st, held[0], cos, s1, held[0] - held[2], q.get("weight", 0.0) / 100.0])
    return (lz, lf), (sz, sf), qf

def fuse_gated(theta):
    def f(q):
        (lz, lf), (sz, sf), qf = share_inputs(q)
        w = 1 / (1 + math.exp(-float(qf @ theta)))
        return {i: w * lz.get(i, lf) + (1 - w) * sz.get(i, sf) for i in order_union(q)}
    return f

def fit_share(qs, seed=3, draws=6000, refine=400):
    tune = [q for q in qs if q["pos"] % 2 == 0]
    singles = {n: metrics(tune, r) for n, r in [("keyword", lex_ranker), ("semantic", sem_ranker)]}
    def quality(theta):
        m = metrics(tune, fused_ranker(fuse_gated(theta)))
        per = {k: (v[3] if k == "topic" else v[2]) for k, v in m.items()}
        best = {k: max((singles[n][k][3] if k == "topic" else singles[n][k][2]) for n in singles) for k in per}
        return np.mean(list(per.values())) - 5.0 * sum(max(0.0, best[k] - per[k]) for k in per)
    rng = np.random.default_rng(seed)
    best_theta = np.array([-4.0, 4.0, 0, 0, 0, 0, 0])  # the earlier `confident_fusion`
    best_value = quality(best_theta)
    for _ in range(draws):
        theta = np.array([rng.uniform(-20, 5), rng.uniform(0, 6), rng.uniform(0, 30), rng.uniform(-20, 10),
                          rng.uniform(-10, 10), rng.uniform(-10, 20), rng.uniform(-5, 10)])
        value = quality(theta)
        if value > best_value:
            best_value, best_theta = value, theta
    step = np.array([1.0, 0.5, 2.0, 2.0, 1.0, 2.0, 1.0])
    for n in range(refine):
        theta = best_theta + rng.normal(0, 1, 7) * step
        value = quality(theta)
        if value > best_value:
            best_value, best_theta = value, theta
        if n % 100 == 99:
            step *= 0.6
    return best_theta

# The coefficients compiled into crates/search/src/fusion.rs (`keyword_share`).
SHIPPED = np.array([-14.55, 0.687, 23.651, -20.004, -3.357, -4.337, 4.621])

def main(path, refit=False):
    qs = load(path)
    X, W = pairs([q for q in qs if q["pos"] % 2 == 0], NAMES)
    pairwise = fit(X, W)
    rankers = [("pairwise", linear_ranker(NAMES, pairwise)), ("keyword", lex_ranker), ("semantic", sem_ranker), ("even z", fused_ranker(fuse_even)),
               ("confident", fused_ranker(fuse_confident)), ("gated (shipped)", fused_ranker(fuse_gated(SHIPPED)))]
    if refit:
        # Slow (minutes): searches the share model's coefficients again on the tuning half.
        theta = fit_share(qs)
        print("refitted share coefficients:", ", ".join(f"{n} {c:.3f}" for n, c in zip(SHARE_FEATURES, theta)))
        rankers.append(("gated (refit)", fused_ranker(fuse_gated(theta))))
    for title, half in [("all", None), ("held-out (odd)", 1), ("tuning (even)", 0)]:
        print(f"\n{title}:")
        table(qs, rankers, half)

if __name__ == "__main__":
    main(sys.argv[1], refit="--refit" in sys.argv[2:])
