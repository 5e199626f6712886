#!/usr/bin/python3
"""Read each inventory file named in the JSON list on stdin with ansible-core's
InventoryManager and print what it built (hosts, groups, vars, depth, priority,
order, whether it parsed) as JSON. Used by ansible_random_test.go."""
import json, sys
from ansible import context
from ansible.module_utils.common.collections import ImmutableDict
context.CLIARGS = ImmutableDict({})
from ansible.utils.display import Display
W=[]
Display.warning = lambda self, msg, formatted=False: W.append(msg)
from ansible.parsing.dataloader import DataLoader
from ansible.inventory.manager import InventoryManager
out = {}
for path in json.load(sys.stdin):
    del W[:]
    inv = InventoryManager(loader=DataLoader(), sources=[path])
    hv = {}
    for h in inv.hosts.values():
        v = dict(h.vars); v.pop('inventory_file', None); v.pop('inventory_dir', None)
        hv[h.name] = v
    gv = {g.name: dict(g.vars, __prio=g.priority, __depth=g.depth, __children=[c.name for c in g.child_groups], __hosts=[x.name for x in g.hosts]) for g in inv.groups.values()}
    out[path] = json.loads(json.dumps({'hosts': hv, 'groups': gv, 'order': list(inv.hosts), 'gorder': list(inv.groups), 'parsed': not any('Unable to parse' in w for w in W)}, default=repr).replace('Infinity','"inf"').replace('NaN','"nan"'))
json.dump(out, sys.stdout)
