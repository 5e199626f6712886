"""Run ansible-core's own fact parsers on recorded inputs.

Reads one JSON request on stdin, prints the facts Ansible's code computes
from it. Used by facts/recorded_test.go so that the values expected for
recorded outputs are Ansible's, not a reading of its code. Only the
inputs are faked (files, commands); the parsing is Ansible's.
"""
import json
import os
import sys
from unittest import mock


class FakeModule:
    def __init__(self, commands, bins):
        self.commands = commands
        self.bins = bins
        self.params = {}
        self.run_command_environ_update = {}

    def get_bin_path(self, name, *args, **kwargs):
        return self.bins.get(name)

    def run_command(self, cmd, *args, **kwargs):
        if isinstance(cmd, list):
            cmd = " ".join(cmd)
        for prefix, out in self.commands.items():
            if cmd == prefix or cmd.endswith(prefix):
                return out[0], out[1], ""
        return 1, "", "not recorded: " + cmd

    def warn(self, msg):
        pass

    def debug(self, msg):
        pass


def main():
    req = json.load(sys.stdin)
    kind = req["kind"]
    files = req.get("files", {})

    def content(path, default=None, strip=True, **kw):
        if path not in files:
            return default
        data = files[path]
        return data.strip() if strip else data

    def lines(path, strip=True, line_sep=None):
        data = content(path, strip=strip)
        if not data:
            return []
        return data.split(line_sep) if line_sep else data.splitlines()

    def exists(path):
        return path in files or path.rstrip("/") in req.get("dirs", []) or path in req.get("dirs", [])

    module = FakeModule(req.get("commands", {}), req.get("bins", {}))
    out = {}
    if kind == "linux_hardware":
        from ansible.module_utils.facts.hardware import linux
        with mock.patch.object(linux, "get_file_lines", side_effect=lines), \
                mock.patch.object(linux, "get_file_content", side_effect=content), \
                mock.patch("os.path.exists", side_effect=exists), \
                mock.patch("os.access", side_effect=lambda p, m: p in files), \
                mock.patch("os.sched_getaffinity", return_value=set(range(req["nproc"]))):
            hw = linux.LinuxHardware(module)
            out.update(hw.get_cpu_facts(collected_facts={"ansible_architecture": req["arch"]}))
            out.update(hw.get_memory_facts())
    elif kind == "linux_network":
        from ansible.module_utils.facts.network import linux
        ifaces = req["ifaces"]

        def glob(pattern):
            return ["/sys/class/net/" + i for i in ifaces]

        with mock.patch.object(linux.glob, "glob", side_effect=glob), \
                mock.patch.object(linux, "get_file_content", side_effect=content), \
                mock.patch("os.path.isdir", side_effect=lambda p: p.startswith("/sys/class/net/")), \
                mock.patch("os.path.exists", side_effect=exists):
            net = linux.LinuxNetwork(module)
            out.update(net.populate())
        out["interfaces"] = list(out["interfaces"])
    elif kind == "darwin_hardware":
        from ansible.module_utils.facts.hardware import darwin
        with mock.patch.object(darwin, "get_bin_path", side_effect=lambda n: module.bins.get(n)):
            hw = darwin.DarwinHardware(module)
            hw.sysctl = darwin.get_sysctl(module, ["hw", "machdep", "kern"])
            out.update(hw.get_mac_facts())
            out.update(hw.get_cpu_facts())
            out.update(hw.get_memory_facts())
    elif kind == "darwin_network":
        from ansible.module_utils.facts.network import darwin
        net = darwin.DarwinNetwork(module)
        out.update(net.populate())
    json.dump(out, sys.stdout, default=list, sort_keys=True)


main()
