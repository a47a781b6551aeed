"""TFLite / TFLite Micro side of test/bench/tflm.bench.ts (run by it, in the bench venv).

argv[1] is a JSON object:
  modelDir      directory with the tinyops model (tfjs layers model.json + weights.bin)
  calibration   raw float32 little-endian file, N x frames x coeffs (the rows tinyops calibrates on)
  frames, coeffs
  outTflite     where to write the fully int8 .tflite flatbuffer
  arenaProbe    arena size given to the TFLM interpreter (bytes); the used size is read back

Rebuilds the network with tf.keras from the tfjs topology (same layers, same names, same
weights), converts it with the TFLite converter to a fully integer model (int8 weights per
channel, int8 activations, int8 input and output; representative dataset = the calibration
rows), then loads the flatbuffer into TensorFlow Lite Micro's Python interpreter (PyPI
`tflite-micro`, the TFLM C++ runtime built for the host) and reads the arena it allocated
from its RecordingMicroAllocator report. Prints one JSON line on stdout; logs go to stderr.
"""

import json
import os
import re
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def log(msg):
    print(f"[tflm_convert] {msg}", file=sys.stderr, flush=True)


def inbound(layer):
    nodes = layer.get("inbound_nodes") or []
    if not nodes:
        return []
    return [n[0] for n in nodes[0]]


def build_keras(topology, weights):
    """The tfjs functional model as a tf.keras model with the same layer names."""
    layers = tf.keras.layers
    cfg = topology["config"]
    made = {}
    model_input = None
    for spec in cfg["layers"]:
        cls = spec["class_name"]
        c = spec["config"]
        name = c["name"]
        ins = [made[n] for n in inbound(spec)]
        if cls == "InputLayer":
            shape = c.get("batch_input_shape") or c.get("batch_shape")
            model_input = tf.keras.Input(shape=tuple(shape[1:]), name=name)
            made[name] = model_input
            continue
        if cls == "Conv2D":
            layer = layers.Conv2D(c["filters"], tuple(c["kernel_size"]), strides=tuple(c["strides"]), padding=c["padding"],
                                  use_bias=c["use_bias"], activation=c.get("activation", "linear"), name=name)
        elif cls == "DepthwiseConv2D":
            layer = layers.DepthwiseConv2D(tuple(c["kernel_size"]), strides=tuple(c["strides"]), padding=c["padding"],
                                           depth_multiplier=c.get("depth_multiplier", 1), use_bias=c["use_bias"],
                                           activation=c.get("activation", "linear"), name=name)
        elif cls == "BatchNormalization":
            layer = layers.BatchNormalization(momentum=c["momentum"], epsilon=c["epsilon"], center=c.get("center", True),
                                              scale=c.get("scale", True), name=name)
        elif cls == "ReLU":
            layer = layers.ReLU(name=name)
        elif cls == "Activation":
            layer = layers.Activation(c["activation"], name=name)
        elif cls == "Add":
            layer = layers.Add(name=name)
        elif cls == "AveragePooling2D":
            layer = layers.AveragePooling2D(pool_size=tuple(c["pool_size"]), strides=tuple(c["strides"] or c["pool_size"]),
                                            padding=c["padding"], name=name)
        elif cls == "GlobalAveragePooling2D":
            layer = layers.GlobalAveragePooling2D(name=name)
        elif cls == "Dropout":
            layer = layers.Dropout(c["rate"], name=name)
        elif cls == "Dense":
            layer = layers.Dense(c["units"], activation=c.get("activation", "linear"), use_bias=c["use_bias"], name=name)
        elif cls == "Softmax":
            layer = layers.Softmax(name=name)
        else:
            raise ValueError(f"model.json layer {name}: class {cls} is not supported by this converter")
        made[name] = layer(ins if len(ins) > 1 else ins[0])
    outs = [made[o[0]] for o in cfg["output_layers"]]
    model = tf.keras.Model(model_input, outs[0] if len(outs) == 1 else outs, name=cfg.get("name", "model"))

    suffixes = {
        "Conv2D": ["kernel", "bias"],
        "DepthwiseConv2D": ["depthwise_kernel", "bias"],
        "BatchNormalization": ["gamma", "beta", "moving_mean", "moving_variance"],
        "Dense": ["kernel", "bias"],
    }
    used = set()
    for layer in model.layers:
        kind = type(layer).__name__
        if kind not in suffixes:
            continue
        values = []
        for s in suffixes[kind]:
            key = f"{layer.name}/{s}"
            if key in weights:
                values.append(weights[key])
                used.add(key)
        expected = [tuple(w.shape) for w in layer.get_weights()]
        got = [tuple(v.shape) for v in values]
        if expected != got:
            raise ValueError(f"layer {layer.name}: keras expects weights {expected}, model.json has {got}")
        layer.set_weights(values)
    unused = sorted(set(weights) - used)
    if unused:
        raise ValueError(f"weights not placed in the keras model: {unused}")
    return model


def read_weights(model_json, weights_bin):
    out = {}
    off = 0
    for spec in model_json["weightSpecs"]:
        if spec.get("dtype", "float32") != "float32":
            raise ValueError(f"weight {spec['name']}: dtype {spec['dtype']} (expected float32)")
        n = int(np.prod(spec["shape"])) if spec["shape"] else 1
        out[spec["name"]] = np.frombuffer(weights_bin, dtype="<f4", count=n, offset=off).reshape(spec["shape"]).copy()
        off += 4 * n
    if off != len(weights_bin):
        raise ValueError(f"weights.bin has {len(weights_bin)} bytes, weightSpecs need {off}")
    return out


def convert(model, calib, frames, coeffs):
    # A SavedModel with a batch-1 serving signature, as TFLM runs one example at a time.
    saved = tempfile.mkdtemp(prefix="tflm-bench-savedmodel-")
    model.export(saved, format="tf_saved_model", verbose=False,
                 input_signature=[tf.TensorSpec([1, frames, coeffs, 1], tf.float32, name="features")])

    def representative():
        for row in calib:
            yield [row.reshape(1, frames, coeffs, 1)]

    conv = tf.lite.TFLiteConverter.from_saved_model(saved)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return conv.convert()


def tflite_ops(flatbuffer):
    interp = tf.lite.Interpreter(model_content=flatbuffer)
    ops = [d["op_name"] for d in interp._get_ops_details()]  # noqa: SLF001 (no public op listing)
    tensors = interp.get_tensor_details()
    return ops, len(tensors)


def tflm_arena(flatbuffer, arena_probe, sample):
    """Arena bytes TFLM allocated for the model, from RecordingMicroAllocator's own report."""
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_bytes(flatbuffer, arena_size=arena_probe)
    detail = interp.get_input_details(0)
    scale, zero = detail["quantization_parameters"]["scales"][0], detail["quantization_parameters"]["zero_points"][0]
    q = np.clip(np.round(sample / scale + zero), -128, 127).astype(np.int8).reshape(detail["shape"])
    interp.set_input(q, 0)
    interp.invoke()
    out = interp.get_output(0).reshape(-1).tolist()
    # print_allocations writes from C++ (MicroPrintf → DebugLog → stderr): capture fds 1 and 2.
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    with tempfile.TemporaryFile(mode="w+b") as f:
        os.dup2(f.fileno(), 1)
        os.dup2(f.fileno(), 2)
        try:
            interp.print_allocations()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
        f.seek(0)
        report = f.read().decode("utf-8", "replace")
    total = re.search(r"Arena allocation total (\d+) bytes", report)
    head = re.search(r"Arena allocation head (\d+) bytes", report)
    tail = re.search(r"Arena allocation tail (\d+) bytes", report)
    if total is None:
        raise RuntimeError(f"no 'Arena allocation total' in the TFLM allocation report:\n{report}")
    parts = {}
    for m in re.finditer(r"'([^']+)' used (\d+) bytes with alignment overhead \(requested (\d+) bytes", report):
        parts[m.group(1)] = int(m.group(2))
    return {
        "total": int(total.group(1)),
        "head": int(head.group(1)) if head else None,
        "tail": int(tail.group(1)) if tail else None,
        "parts": parts,
        "report": report.strip().splitlines(),
        "output": out,
    }


def main():
    cfg = json.loads(sys.argv[1])
    frames, coeffs = cfg["frames"], cfg["coeffs"]
    with open(os.path.join(cfg["modelDir"], "model.json"), encoding="utf-8") as f:
        model_json = json.load(f)
    with open(os.path.join(cfg["modelDir"], "weights.bin"), "rb") as f:
        weights = read_weights(model_json, f.read())
    calib = np.fromfile(cfg["calibration"], dtype="<f4").reshape(-1, frames, coeffs)
    log(f"keras model from {cfg['modelDir']}; {calib.shape[0]} calibration rows")
    model = build_keras(model_json["modelTopology"], weights)
    flatbuffer = convert(model, calib, frames, coeffs)
    with open(cfg["outTflite"], "wb") as f:
        f.write(flatbuffer)
    ops, n_tensors = tflite_ops(flatbuffer)
    log(f".tflite {len(flatbuffer)} B, ops {ops}")
    arena = tflm_arena(flatbuffer, cfg["arenaProbe"], calib[0])
    import tflite_micro

    version = getattr(tflite_micro, "__version__", None)
    if version is None:
        from tflite_micro.python.tflite_micro import _version
        version = getattr(_version, "__version__", None)
    print(json.dumps({
        "tflite_bytes": len(flatbuffer),
        "ops": ops,
        "tensors": n_tensors,
        "params": int(model.count_params()),
        "arena": arena,
        "tensorflow": tf.__version__,
        "tflite_micro": version,
    }))


if __name__ == "__main__":
    main()
