#!/usr/bin/env python3
"""Writes the ONNX graph paperboy runs for sentence embeddings, from a standard model folder.

Usage: make-embedding-onnx.py MODEL_DIR [OUT]   (OUT defaults to MODEL_DIR/onnx/paperboy-bert-fused.onnx)

Beside OUT it writes OUT's int8 variant (paperboy-bert-fused-int8.onnx), what paperboy runs by
default: the same graph with the weights of every matrix product (the attention's QKV projection
and the dense layers) quantised to int8 per output channel, activations quantised dynamically
per batch (ONNX Runtime's quantize_dynamic: QAttention and MatMulInteger). The word-embedding
table stays fp32: a lookup costs nothing to run, and quantising it only lost accuracy.
docs/benchmarks.md ("Embedding precision") has its speed and what it costs in quality.

MODEL_DIR is a BERT sentence-transformers folder (all-MiniLM-L6-v2: config.json and
model.safetensors). The graph is emitted directly with ONNX Runtime's fused CPU kernels
(com.microsoft EmbedLayerNormalization, Attention, SkipLayerNormalization, BiasGelu) instead of
being exported from PyTorch, so that set-up needs only numpy and onnx, not torch.

Graph contract (crates/embed relies on it):
  inputs  input_ids int32 [batch, seq], attention_mask int32 [batch, seq] (1 = token, 0 = padding;
          padding only on the right)
  output  last_hidden_state float32 [batch, seq, hidden] (mean pooling and L2 normalisation are
          done by the caller, as sentence-transformers does after the transformer).
The weights are the model's own, unchanged and in fp32; GELU is the exact (erf) one BERT uses.
"""
import json
import os
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MS = "com.microsoft"


def read_safetensors(path):
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
        data = f.read()
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(data[start:end], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
        # Checkpoints differ on the "bert." prefix; the graph below uses names without it.
        tensors[name.removeprefix("bert.")] = array.astype(np.float32)
    return tensors


def build(model_dir):
    config = json.load(open(os.path.join(model_dir, "config.json")))
    if config.get("model_type") != "bert":
        sys.exit(f"make-embedding-onnx: {model_dir} is a {config.get('model_type')!r} model, not BERT")
    if config.get("hidden_act") != "gelu":
        sys.exit(f"make-embedding-onnx: hidden_act {config.get('hidden_act')!r} is not supported (only gelu)")
    w = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    hidden = config["hidden_size"]
    heads = config["num_attention_heads"]
    layers = config["num_hidden_layers"]
    eps = float(config["layer_norm_eps"])

    initializers = []
    nodes = []

    def const(name, array):
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def linear_weight(prefix):
        # PyTorch stores Linear weights as [out, in]; MatMul wants [in, out].
        return w[prefix + ".weight"].T

    nodes.append(
        helper.make_node(
            "EmbedLayerNormalization",
            [
                "input_ids",
                "token_type_ids",
                const("word_embeddings", w["embeddings.word_embeddings.weight"]),
                const("position_embeddings", w["embeddings.position_embeddings.weight"]),
                const("token_type_embeddings", w["embeddings.token_type_embeddings.weight"]),
                const("embeddings_ln_gamma", w["embeddings.LayerNorm.weight"]),
                const("embeddings_ln_beta", w["embeddings.LayerNorm.bias"]),
                "attention_mask",
            ],
            ["embeddings", "mask_index"],
            domain=MS,
            epsilon=eps,
            name="embeddings",
        )
    )
    # token_type_ids are all zero for single sentences: derive them from input_ids in the graph
    # so that callers feed only ids and mask.
    nodes.insert(0, helper.make_node("Mul", ["input_ids", const("zero_i32", np.array(0, dtype=np.int32))], ["token_type_ids"]))

    x = "embeddings"
    for i in range(layers):
        p = f"encoder.layer.{i}."
        qkv_w = np.concatenate(
            [linear_weight(p + "attention.self." + part) for part in ("query", "key", "value")], axis=1
        )
        qkv_b = np.concatenate([w[p + f"attention.self.{part}.bias"] for part in ("query", "key", "value")])
        nodes.append(
            helper.make_node(
                "Attention",
                [x, const(f"l{i}_qkv_w", qkv_w), const(f"l{i}_qkv_b", qkv_b), "mask_index"],
                [f"l{i}_context"],
                domain=MS,
                num_heads=heads,
                name=f"l{i}_attention",
            )
        )
        nodes.append(
            helper.make_node(
                "MatMul", [f"l{i}_context", const(f"l{i}_attn_out_w", linear_weight(p + "attention.output.dense"))], [f"l{i}_attn_proj"]
            )
        )
        nodes.append(
            helper.make_node(
                "SkipLayerNormalization",
                [
                    f"l{i}_attn_proj",
                    x,
                    const(f"l{i}_attn_ln_gamma", w[p + "attention.output.LayerNorm.weight"]),
                    const(f"l{i}_attn_ln_beta", w[p + "attention.output.LayerNorm.bias"]),
                    const(f"l{i}_attn_out_b", w[p + "attention.output.dense.bias"]),
                ],
                [f"l{i}_attn_norm"],
                domain=MS,
                epsilon=eps,
            )
        )
        nodes.append(
            helper.make_node(
                "MatMul", [f"l{i}_attn_norm", const(f"l{i}_ffn_in_w", linear_weight(p + "intermediate.dense"))], [f"l{i}_ffn_pre"]
            )
        )
        nodes.append(
            helper.make_node(
                "BiasGelu", [f"l{i}_ffn_pre", const(f"l{i}_ffn_in_b", w[p + "intermediate.dense.bias"])], [f"l{i}_ffn_act"], domain=MS
            )
        )
        nodes.append(
            helper.make_node("MatMul", [f"l{i}_ffn_act", const(f"l{i}_ffn_out_w", linear_weight(p + "output.dense"))], [f"l{i}_ffn_out"])
        )
        out = "last_hidden_state" if i == layers - 1 else f"l{i}_out"
        nodes.append(
            helper.make_node(
                "SkipLayerNormalization",
                [
                    f"l{i}_ffn_out",
                    f"l{i}_attn_norm",
                    const(f"l{i}_out_ln_gamma", w[p + "output.LayerNorm.weight"]),
                    const(f"l{i}_out_ln_beta", w[p + "output.LayerNorm.bias"]),
                    const(f"l{i}_ffn_out_b", w[p + "output.dense.bias"]),
                ],
                [out],
                domain=MS,
                epsilon=eps,
            )
        )
        x = out

    graph = helper.make_graph(
        nodes,
        "paperboy-bert-fused",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT32, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT32, ["batch", "seq"]),
        ],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "seq", hidden])],
        initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(MS, 1)],
        producer_name="paperboy scripts/make-embedding-onnx.py",
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def quantize_int8(fp32_path, out):
    """The int8 variant of the fp32 graph at fp32_path (see the module docs)."""
    # Imported here: only this step needs ONNX Runtime's Python package.
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        fp32_path,
        out,
        per_channel=True,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul", "Attention"],
        # The fused com.microsoft nodes defeat ONNX's shape inference; their tensors are fp32.
        extra_options={"DefaultTensorType": TensorProto.FLOAT},
    )


def int8_path(out):
    root, ext = os.path.splitext(out)
    return f"{root}-int8{ext}"


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.split("\n\n")[1])
    model_dir = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) == 3 else os.path.join(model_dir, "onnx", "paperboy-bert-fused.onnx")
    model = build(model_dir)
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    tmp = out + ".tmp"
    onnx.save(model, tmp)
    os.replace(tmp, out)
    print(f"make-embedding-onnx: wrote {out}")
    int8 = int8_path(out)
    tmp = int8 + ".tmp"
    quantize_int8(out, tmp)
    os.replace(tmp, int8)
    print(f"make-embedding-onnx: wrote {int8}")


if __name__ == "__main__":
    main()
