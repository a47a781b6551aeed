"""Keras side of test/bench/train-throughput.bench.ts (run by it, in its own venv).

argv[1] is a JSON object from the TypeScript side describing the network exactly as
src/nn/ds-cnn.ts builds it (the planned DS-CNN: first conv, blocks, dropout, batch norm),
plus the data shape and timing parameters. Builds the same network with tf.keras, trains it
with Adam + sparse categorical cross-entropy on random data of the same shape, and prints
one JSON line on stdout: samples/s over the timed epochs, versions and parameter counts.
Everything else (TensorFlow's logs) goes to stderr.
"""

import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def build(cfg):
    keras = tf.keras
    layers = keras.layers
    arch = cfg["arch"]
    bn = arch["batchNorm"]
    frames, coeffs = cfg["inputShape"]

    def bn_relu(x, name):
        x = layers.BatchNormalization(momentum=bn["momentum"], epsilon=bn["epsilon"], name=f"{name}_bn")(x)
        return layers.ReLU(name=f"{name}_relu")(x)

    inp = keras.Input(shape=(frames, coeffs, 1), name="features")
    fc = arch["firstConv"]
    x = layers.Conv2D(fc["filters"], tuple(fc["kernel"]), strides=tuple(fc["stride"]), padding="same",
                      use_bias=False, name="conv0")(inp)
    x = bn_relu(x, "conv0")
    for i, b in enumerate(arch["blocks"], start=1):
        name = f"block{i}"
        y = layers.DepthwiseConv2D(3, strides=tuple(b["stride"]), padding="same", use_bias=False, name=f"{name}_dw")(x)
        y = bn_relu(y, f"{name}_dw")
        y = layers.Conv2D(b["filters"], 1, padding="same", use_bias=False, name=f"{name}_pw")(y)
        y = bn_relu(y, f"{name}_pw")
        kind = b["skipKind"]
        if kind == "none":
            x = y
        elif kind == "identity":
            x = layers.Add(name=f"{name}_add")([y, x])
        elif kind == "avgpool":
            s = tuple(b["stride"])
            short = layers.AveragePooling2D(pool_size=s, strides=s, padding="same", name=f"{name}_skip_pool")(x)
            x = layers.Add(name=f"{name}_add")([y, short])
        else:
            raise ValueError(f"unknown skip kind {kind!r}")
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dropout(arch["dropout"], name="dropout")(x)
    out = layers.Dense(cfg["numClasses"], activation="softmax", name="dense")(x)
    return keras.Model(inp, out, name="ds_cnn")


class EpochTimer(tf.keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seconds = []
        self._t0 = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._t0)


def count(weights):
    return int(sum(int(np.prod(w.shape)) for w in weights))


def main():
    cfg = json.loads(sys.argv[1])
    frames, coeffs = cfg["inputShape"]
    n, batch = cfg["samples"], cfg["batchSize"]
    rng = np.random.default_rng(cfg.get("seed", 0))
    x = rng.standard_normal((n, frames, coeffs, 1), dtype=np.float32)
    y = (np.arange(n) % cfg["numClasses"]).astype(np.int32)

    model = build(cfg)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(learning_rate=cfg["learningRate"], beta_1=0.9, beta_2=0.999, epsilon=1e-7),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    # Warm-up: traces and builds the train function (and XLA clusters if any) on full batches.
    warm = cfg["warmupSteps"] * batch
    model.fit(x[:warm], y[:warm], batch_size=batch, epochs=1, shuffle=False, verbose=0)

    timer = EpochTimer()
    wall0 = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=cfg["epochs"], shuffle=True, verbose=0, callbacks=[timer])
    wall = time.perf_counter() - wall0
    trained = n * cfg["epochs"]

    print(json.dumps({
        "samplesPerSec": trained / sum(timer.seconds),
        "wallSamplesPerSec": trained / wall,
        "epochSeconds": timer.seconds,
        "samples": trained,
        "tensorflow": tf.__version__,
        "keras": tf.keras.__version__ if hasattr(tf.keras, "__version__") else None,
        "jitCompile": bool(getattr(model, "jit_compile", False)),
        "interOpThreads": tf.config.threading.get_inter_op_parallelism_threads(),
        "intraOpThreads": tf.config.threading.get_intra_op_parallelism_threads(),
        "params": {
            "total": int(model.count_params()),
            "trainable": count(model.trainable_weights),
            "nonTrainable": count(model.non_trainable_weights),
        },
        "weightShapes": sorted([int(d) for d in w.shape] for w in model.weights),
    }))


if __name__ == "__main__":
    main()
