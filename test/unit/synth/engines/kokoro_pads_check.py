"""Checks of tts_server.py's Kokoro boundary-pad cap, run by kokoro-pads.test.ts with the TTS venv:

    python kokoro_pads_check.py LEAD TRAIL PHONEMES

Edits the installed model twice (the serialized bytes must agree), then runs the stock and the
capped model on `[0, *tokens, 0]` with the per-token durations as an extra output, and prints one
JSON line: whether the two edits were byte-identical, the stock and capped durations, and the
sample counts of both renders.
"""
import json
import os
import sys

import numpy as np
import onnx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'src', 'synth', 'engines'))
import tts_server as ts  # noqa: E402

lead, trail, phonemes = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
k = ts.Kokoro()
edits = [ts.cap_boundary_durations(onnx.load(k.model), lead, trail).SerializeToString() for _ in range(2)]


def with_durations(model_bytes, name):
    m = onnx.load_from_string(model_bytes)
    m.graph.output.extend([onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None)])
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = so.inter_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(m.SerializeToString(), so, providers=['CPUExecutionProvider'])


with open(k.model, 'rb') as f:
    stock = with_durations(f.read(), ts.KOKORO_DURATIONS)
capped = with_durations(edits[0], '/tinyops/pad_cap/durations')
tokens = [k.vocab[c] for c in phonemes if c in k.vocab]
feeds = {'tokens': np.array([[0, *tokens, 0]], np.int64),
         'style': k.styles['jf_alpha'][len(tokens) - 1].reshape(1, 256).astype(np.float32),
         'speed': np.array([1.0], np.float32)}
a0, d0 = stock.run(None, feeds)
a1, d1 = capped.run(None, feeds)
print(json.dumps({
    'identicalEdits': edits[0] == edits[1],
    'stock': d0.ravel().tolist(), 'capped': d1.ravel().tolist(),
    'stockSamples': int(np.asarray(a0).size), 'cappedSamples': int(np.asarray(a1).size),
}))
