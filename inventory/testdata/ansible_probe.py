#!/usr/bin/python3
"""Ask ansible-core's own InventoryManager and VariableManager what omeprov's
inventory package must answer: host patterns (hosts, order, warnings,
errors), --limit, merged host vars, group_names and groups.

Reads a JSON request on stdin:
  {"sources": [...], "patterns": [...], "limits": [...], "playbook_dir": "" }
and prints a JSON answer on stdout. Used by ansible_compat_test.go.
"""
import json
import sys

from ansible import context
from ansible.module_utils.common.collections import ImmutableDict
from ansible.parsing.dataloader import DataLoader
from ansible.utils.display import Display

context.CLIARGS = ImmutableDict({})

WARNINGS = []


def _warning(self, msg, formatted=False):
    WARNINGS.append(msg)


Display.warning = _warning

from ansible.inventory.manager import InventoryManager  # noqa: E402
from ansible.vars.manager import VariableManager  # noqa: E402

# Magic variables VariableManager adds that are not inventory variables.
MAGIC = {
    'ansible_check_mode', 'ansible_config_file', 'ansible_diff_mode', 'ansible_facts',
    'ansible_forks', 'ansible_inventory_sources', 'ansible_limit', 'ansible_playbook_python',
    'ansible_run_tags', 'ansible_skip_tags', 'ansible_verbosity', 'ansible_version',
    'groups', 'omit', 'playbook_dir', 'ansible_search_path', 'environment', 'vars',
    'hostvars', 'ansible_play_hosts', 'ansible_play_hosts_all', 'ansible_play_batch',
    'ansible_dependent_role_names', 'ansible_play_role_names', 'ansible_role_names',
    'role_names', 'play_hosts',
}


def main():
    req = json.load(sys.stdin)
    loader = DataLoader()
    # Without a playbook, VariableManager reads the loader's basedir (the
    # current directory by default): point it at the playbook or nowhere.
    loader.set_basedir(req.get('playbook_dir') or '/nonexistent-omeprov-probe')
    inv = InventoryManager(loader=loader, sources=req['sources'])
    vm = VariableManager(loader=loader, inventory=inv)
    out = {'load_warnings': list(WARNINGS), 'patterns': {}, 'limits': {}}

    def run(pattern):
        del WARNINGS[:]
        inv.clear_caches()
        try:
            hosts = [h.name for h in inv.get_hosts(pattern)]
            return {'hosts': hosts, 'warnings': list(WARNINGS), 'error': None}
        except Exception as e:  # noqa: BLE001 - report any failure
            return {'hosts': None, 'warnings': list(WARNINGS), 'error': str(e)}

    for p in req.get('patterns') or []:
        out['patterns'][p] = run(p)
    for lim in req.get('limits') or []:
        res = {}
        try:
            inv.subset(lim)
            for p in req.get('patterns') or []:
                res[p] = run(p)
        except Exception as e:  # noqa: BLE001
            res = {'error': str(e)}
        inv.subset(None)
        out['limits'][lim] = res

    hostvars = {}
    for h in inv.get_hosts('all') + [inv.get_host('localhost')]:
        v = vm.get_vars(host=h, include_hostvars=False)
        hostvars[h.name] = {k: val for k, val in v.items() if k not in MAGIC}
    out['hostvars'] = hostvars
    out['group_names'] = {h.name: h.get_magic_vars()['group_names'] for h in inv.get_hosts('all')}
    out['groups'] = inv.get_groups_dict()
    out['hosts'] = [h.name for h in inv.get_hosts('all')]
    json.dump(out, sys.stdout, default=str, sort_keys=True)


main()
