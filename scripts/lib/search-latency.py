#!/usr/bin/env python3
"""Times GET /search one request at a time (a person searching, not a load test) and prints one
line: LABEL, count, p50, p99 and max in ms, and the embedding backlog the server reported
before and after. Every query is two words drawn from common corpus words, each pair asked once,
so that the search page cache never answers.

Usage: search-latency.py BASE_URL COUNT LABEL SEED
"""
import json
import random
import sys
import time
import urllib.parse
import urllib.request

WORDS = """learning model neural network language large data training graph attention transformer
diffusion image video reinforcement policy agent reasoning benchmark dataset robust adversarial
optimization gradient bayesian inference causal generative segmentation detection classification
kernel sparse efficient scalable federated privacy quantum molecular protein medical clinical
speech audio translation retrieval recommendation knowledge embedding representation contrastive
few-shot zero-shot transfer domain adaptation generalization uncertainty calibration
interpretability fairness alignment instruction prompt fine-tuning pretraining multimodal vision
3d point cloud scene rendering pose tracking motion robot control planning navigation driving
safety attack code program hardware memory parallel energy wireless signal estimation theory
complexity algorithm approximation matrix tensor spectral clustering manifold geometry dynamics
simulation forecasting series anomaly text summarization question answering dialogue
hallucination evaluation human feedback reward preference experts compression quantization
pruning distillation search ranking social""".split()


def get(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.status, response.read()


def backlog(base):
    """Papers the server has not embedded yet (its semantic search says)."""
    _, body = get(f"{base}/api/papers/search?q=backlog&mode=semantic&limit=1")
    return json.loads(body).get("embedding_lag")


def main():
    base, count, label, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    pairs = [(a, b) for a in WORDS for b in WORDS if a != b]
    random.Random(seed).shuffle(pairs)
    before = backlog(base)
    times = []
    for a, b in pairs[:count]:
        url = f"{base}/search?" + urllib.parse.urlencode({"q": f"{a} {b}"})
        started = time.perf_counter()
        status, _ = get(url)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            sys.exit(f"{url}: HTTP {status}")
    after = backlog(base)
    times.sort()
    pct = lambda p: times[min(len(times) - 1, int(p / 100 * len(times)))]
    print(f"{label:<28} {len(times):>6} {pct(50):>8.1f} {pct(99):>8.1f} {times[-1]:>8.1f}   {before} -> {after}")


if __name__ == "__main__":
    main()
