-- wrk script: every request a search for two random words out of 160 common ones in the
-- corpus (25,440 ordered pairs), so that nearly every query is new to the server: measures
-- search itself rather than the search page cache.
local words = {
  "learning", "model", "models", "neural", "network", "networks", "language", "large", "data",
  "training", "graph", "attention", "transformer", "diffusion", "image", "images", "video",
  "reinforcement", "policy", "agent", "agents", "reasoning", "benchmark", "dataset", "robust",
  "robustness", "adversarial", "optimization", "gradient", "stochastic", "bayesian", "inference",
  "causal", "generative", "segmentation", "detection", "classification", "regression", "kernel",
  "sparse", "efficient", "scalable", "distributed", "federated", "privacy", "quantum", "physics",
  "molecular", "protein", "medical", "clinical", "speech", "audio", "translation", "retrieval",
  "recommendation", "knowledge", "embedding", "representation", "contrastive", "self-supervised",
  "semi-supervised", "unsupervised", "few-shot", "zero-shot", "transfer", "domain", "adaptation",
  "generalization", "uncertainty", "calibration", "interpretability", "explanation", "fairness",
  "bias", "alignment", "instruction", "prompt", "fine-tuning", "pretraining", "multimodal",
  "vision", "3d", "point", "cloud", "scene", "rendering", "pose", "tracking", "motion", "robot",
  "robotics", "control", "planning", "navigation", "autonomous", "driving", "safety", "security",
  "attack", "defense", "code", "program", "software", "compiler", "hardware", "memory", "cache",
  "parallel", "gpu", "energy", "wireless", "communication", "channel", "signal", "estimation",
  "theory", "bounds", "complexity", "algorithm", "algorithms", "approximation", "convex",
  "nonconvex", "matrix", "tensor", "low-rank", "spectral", "clustering", "manifold", "geometry",
  "topology", "equivariant", "symmetry", "dynamics", "differential", "equations", "simulation",
  "forecasting", "time", "series", "anomaly", "text", "summarization", "question", "answering",
  "dialogue", "chatbot", "hallucination", "evaluation", "metrics", "human", "feedback", "reward",
  "preference", "mixture", "experts", "compression", "quantization", "pruning", "distillation",
  "search", "ranking", "social"
}
math.randomseed(os.time())
request = function()
  local a = words[math.random(#words)]
  local b = words[math.random(#words)]
  return wrk.format("GET", "/search?q=" .. a .. "+" .. b)
end
