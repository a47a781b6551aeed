# Render the first N logged requests (log-requests.sh) with the stock model and MODEL, twice each, interleaved;
# compare WAV bytes and CPU s per call.   python compare_models.py MODEL.onnx N
import json, os, sys, time
REQ_LOG = os.environ.get('KOKORO_REQ_LOG', '/tmp/kokoro-requests.log')
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'src', 'synth', 'engines'))
import numpy as np, onnxruntime as ort
import tts_server as ts
N = int(sys.argv[2]); reqs = [json.loads(l) for l in open(REQ_LOG)][:N]
k = ts.Kokoro()
so = ort.SessionOptions(); so.intra_op_num_threads = so.inter_op_num_threads = 1; so.log_severity_level = 3
alt = ort.InferenceSession(sys.argv[1], so, providers=["CPUExecutionProvider"])
stock = k.session
def go(sess):
    k.session = sess
    k.render('jf_alpha', 'x', reqs[0]['params'])
    out, cpu = [], 0.0
    for r in reqs:
        a = time.process_time(); au = k.render('jf_alpha', r['text'], r['params']); cpu += time.process_time() - a
        ts.write_wav('/tmp/kokoro-call-cost-y.wav', au, k.rate); out.append(open('/tmp/kokoro-call-cost-y.wav', 'rb').read())
    return out, cpu / len(reqs)
# interleave halves to share machine load fairly
o1, c1 = go(stock); o2, c2 = go(alt); o1b, c1b = go(stock); o2b, c2b = go(alt)
same = sum(a == b for a, b in zip(o1, o2)); 
print(f'identical {same}/{len(reqs)}; stock cpu/call {c1:.3f} {c1b:.3f}; alt {c2:.3f} {c2b:.3f}')
if same < len(reqs):
    i = next(i for i, (a, b) in enumerate(zip(o1, o2)) if a != b)
    x = np.frombuffer(o1[i][44:], '<i2').astype(int); y = np.frombuffer(o2[i][44:], '<i2').astype(int)
    print('first diff', i, len(x), len(y), 'max abs diff', np.abs(x - y).max() if len(x) == len(y) else 'len')
