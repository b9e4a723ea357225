#!/usr/bin/env python3
"""Writes N synthetic papers grown from the real arXiv listings in ../shared/data: new ids,
the same texts, in JSON lines that `paperboy ingest` reads. Used by the web benchmarks.

Usage: grow-corpus.py N OUT.jsonl
"""
import gzip, json, pathlib, sys
n, out = int(sys.argv[1]), sys.argv[2]
seen, papers = set(), []
for path in sorted(pathlib.Path("../shared/data/arxiv-listings").glob("*.jsonl.gz")):
    for line in gzip.open(path, "rt"):
        paper = json.loads(line)
        if paper["id"] not in seen:
            seen.add(paper["id"])
            papers.append(paper)
with open(out, "w") as f:
    for serial in range(n):
        paper = dict(papers[serial % len(papers)])
        paper["id"] = "%02d%02d.%05d" % (10 + serial // 1_200_000, 1 + (serial // 100_000) % 12, serial % 100_000)
        f.write(json.dumps(paper) + "\n")
