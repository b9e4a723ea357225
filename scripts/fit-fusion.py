#!/usr/bin/env python3
"""Offline fusion study over the quality benchmark's candidate dump.

Usage: PAPERBOY_QUALITY_DUMP=/tmp/dump.json scripts/bench-quality 3000, then
       .cache/venv/bin/python scripts/fit-fusion.py /tmp/dump.json

Reproduces the shipped fusion (`fusion::confident_fusion`) and the even z-score fusion from the
dumped keyword (BM25) and semantic (cosine) lists, and fits a linear rescoring of their union by
pairwise logistic regression on the tuning half (even positions of each kind), reporting the
held-out half (odd positions) and all queries per kind. Needs numpy only.
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

# The gated model: each candidate's scores (keyword and semantic z-scores, coverage, cosine)
# times each of the query's confidences (a constant, the keyword best's coverage, the semantic
# best's cosine, each list's best z-score), plus "in both lists". Linear in its parameters, so a
# pairwise logistic fit finds them; per query it is a weighted mix of the candidate's scores
# whose weights follow how convincing each list is.
CANDIDATE = ["lz", "sz", "cov", "cos"]
QUERY = ["one", "ltopcov", "stopcos", "lt", "st"]

def gated_features(q):
    lex, sem = q["lexical"], q["semantic"]
    lz, lf, lt = standardised(lex)
    sz, sf, st = standardised(sem)
    w = max(q.get("weight", 1.0), 1e-3)
    bm = dict(lex); cs = dict(sem)
    lfloor = (min(bm.values()) if len(lex) >= 100 else 0.0) if lex else 0.0
    sfloor = min(cs.values()) if sem else 0.0
    qf = {"one": 1.0, "ltopcov": (lex[0][1] / w if lex else 0.0), "stopcos": (sem[0][1] if sem else 0.0),
          "lt": lt, "st": st}
    ids = order_union(q)
    rows = []
    for i in ids:
        c = {"lz": lz.get(i, lf), "sz": sz.get(i, sf), "cov": bm.get(i, lfloor) / w, "cos": cs.get(i, sfloor)}
        row = [c[a] * qf[b] for a in CANDIDATE for b in QUERY]
        row.append(1.0 if (i in bm and i in cs) else 0.0)
        rows.append(row)
    return ids, np.array(rows, dtype=float)

GATED = [f"{a}*{b}" for a in CANDIDATE for b in QUERY] + ["both"]

def gated_pairs(qs, kinds_weight=None):
    X, W = [], []
    for q in qs:
        ids, F = gated_features(q)
        rel = [k for k, i in enumerate(ids) if i in q["rel"]]
        non = [k for k, i in enumerate(ids) if i not in q["rel"]]
        if not rel or not non:
            continue
        D = (F[rel][:, None, :] - F[non][None, :, :]).reshape(-1, F.shape[1])
        wq = (kinds_weight or {}).get(q["kind"], 1.0) / len(D)
        X.append(D); W.append(np.full(len(D), wq))
    return np.vstack(X), np.concatenate(W)

def gated_ranker(w):
    def r(q):
        ids, F = gated_features(q)
        s = F @ w
        return [ids[k] for k in sorted(range(len(ids)), key=lambda k: (-s[k], k))]
    return r

def main(path):
    qs = load(path)
    tune = [q for q in qs if q["pos"] % 2 == 0]
    X, W = pairs(tune, NAMES)
    w = fit(X, W)
    print("coefficients:", ", ".join(f"{n} {c:.4f}" for n, c in zip(NAMES, w)))
    l2 = float(__import__("os").environ.get("FUSION_L2", "1e-2"))
    Xg, Wg = gated_pairs(tune)
    wg = fit(Xg, Wg, l2=l2)
    print("gated coefficients (l2 %g):" % l2)
    for n, c in zip(GATED, wg):
        print(f"  {n} {c:.5f}")
    rankers = [("keyword", lex_ranker), ("semantic", sem_ranker), ("even z", fused_ranker(fuse_even)),
               ("confident", fused_ranker(fuse_confident)), ("learned", linear_ranker(NAMES, w)),
               ("gated", gated_ranker(wg))]
    for title, half in [("all", None), ("held-out (odd)", 1), ("tuning (even)", 0)]:
        print(f"\n{title}:")
        table(qs, rankers, half)

if __name__ == "__main__":
    main(sys.argv[1])
