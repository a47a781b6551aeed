"""AUC and pAUC as src/eval/auc.ts computes them, for the anomaly-detection bench scripts
(ad-pauc/analyze.py, ad-invariant/compare.py, ad-precision/precision.py): ROC area by trapezoids
with tied scores entering together (a tie counts half); pAUC = the area over FPR [0, p],
interpolated at p, divided by p."""


def auc_pauc(normal, anom, p=0.1):
    pts, fp, tp, i = [(0.0, 0.0)], 0, 0, 0
    allc = sorted([(s, 0) for s in normal] + [(s, 1) for s in anom], key=lambda x: -x[0])
    while i < len(allc):
        s = allc[i][0]
        while i < len(allc) and allc[i][0] == s:
            tp, fp, i = tp + allc[i][1], fp + 1 - allc[i][1], i + 1
        pts.append((fp / len(normal), tp / len(anom)))

    def area(m):
        r = 0.0
        for (f0, t0), (f1, t1) in zip(pts, pts[1:]):
            if f0 >= m:
                break
            if f1 <= m:
                r += (f1 - f0) * (t0 + t1) / 2
            else:
                r += (m - f0) * (t0 + t0 + (t1 - t0) * (m - f0) / (f1 - f0)) / 2
        return r

    return area(1), area(p) / p
