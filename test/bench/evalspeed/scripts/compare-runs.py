# usage: cmp.py RUN_A RUN_B : compare evaluate*/features* stage outputs (evaluation JSON with extraction paths normalized, metrics, feature digests)
import json,sys,re,hashlib
O='/work/main/.tinyops/store/objects/sha256/'
def stages(run):
    r=json.load(open(f'/work/main/.tinyops/store/runs/{run}.json'))
    return {s['name'].split('-')[0]:s for s in r['stages'].values() if s['name'].startswith(('evaluate','features')) and not s['name'].startswith('features') or s['name'].startswith('features')}
def norm(sha):
    t=open(O+sha[:2]+'/'+sha[2:]).read()
    return hashlib.sha256(re.sub(r'/work/[^"]*/\.tinyops/extract/','EXTRACT/',t).encode()).hexdigest()
a,b=stages(sys.argv[1]),stages(sys.argv[2])
for k in sorted(set(a)&set(b)):
    sa,sb=a[k],b[k]
    print(k, sa['name'], sb['name'], 'metrics equal' if sa.get('metrics')==sb.get('metrics') else 'METRICS DIFFER')
    if sa.get('metrics')!=sb.get('metrics'):
        for m in sorted(set(sa['metrics'])|set(sb['metrics'])):
            if sa['metrics'].get(m)!=sb['metrics'].get(m): print('   ',m,sa['metrics'].get(m),sb['metrics'].get(m))
    for x,y in zip(sa['artifacts'],sb['artifacts']):
        same = x['sha256']==y['sha256']
        if not same and x.get('mediaType')=='application/json': same = norm(x['sha256'])==norm(y['sha256']) and 'equal up to extraction paths'
        print('  ',x['name'],x['sha256'][:12],y['sha256'][:12],same)
