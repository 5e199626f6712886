package modules

// The filesystem module, as community.general.filesystem: a filesystem
// made on a device (or a regular file) with mkfs.TYPE, grown with
// resizefs (resize2fs, xfs_growfs, pvresize), or its signatures wiped
// with wipefs for state=absent. The existing filesystem is read with
// blkid.

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/ome/omeprov/connection"
)

// fsKind describes one filesystem type as the collection's classes do.
type fsKind struct {
	Class      string // the collection's class name, shown in messages
	Mkfs       string
	ForceFlags []string
	Info       string // the tool that gives the filesystem's size ("": cannot resize)
	Grow       string
	GrowFlags  []string
	MountOnly  bool // grown through its mount point
}

var fsKinds = map[string]fsKind{
	"ext2":        {"Ext2", "mkfs.ext2", []string{"-F"}, "tune2fs", "resize2fs", nil, false},
	"ext3":        {"Ext3", "mkfs.ext3", []string{"-F"}, "tune2fs", "resize2fs", nil, false},
	"ext4":        {"Ext4", "mkfs.ext4", []string{"-F"}, "tune2fs", "resize2fs", nil, false},
	"ext4dev":     {"Ext4", "mkfs.ext4", []string{"-F"}, "tune2fs", "resize2fs", nil, false},
	"xfs":         {"XFS", "mkfs.xfs", []string{"-f"}, "xfs_info", "xfs_growfs", nil, true},
	"btrfs":       {"Btrfs", "mkfs.btrfs", []string{"-f"}, "", "", nil, true},
	"reiserfs":    {"Reiserfs", "mkfs.reiserfs", []string{"-q"}, "", "", nil, false},
	"f2fs":        {"F2fs", "mkfs.f2fs", []string{"-f"}, "", "", nil, false},
	"vfat":        {"VFAT", "mkfs.vfat", nil, "", "", nil, false},
	"ocfs2":       {"Ocfs2", "mkfs.ocfs2", []string{"-Fx"}, "", "", nil, false},
	"LVM2_member": {"LVM", "pvcreate", []string{"-f"}, "pvs", "pvresize", nil, false},
	"swap":        {"Swap", "mkswap", []string{"-f"}, "", "", nil, false},
	"ufs":         {"UFS", "newfs", nil, "", "", nil, false},
}

// fsKindKey maps a type to its class (ext4dev is ext4's class), for "same
// filesystem" checks.
func fsSameKind(a, b string) bool {
	ka, oka := fsKinds[a]
	kb, okb := fsKinds[b]
	return oka && okb && ka.Class == kb.Class
}

func filesystemSpec() Spec {
	types := []string{"lvm"}
	for k := range fsKinds {
		if k != "LVM2_member" {
			types = append(types, k)
		}
	}
	sort.Strings(types)
	return Spec{
		Params: map[string]Param{
			"state":    {Type: "str", Default: "present", Choices: []string{"present", "absent"}},
			"fstype":   {Type: "str", Aliases: []string{"type"}, Choices: types},
			"dev":      {Type: "path", Required: true, Aliases: []string{"device"}},
			"opts":     {Type: "str"},
			"force":    {Type: "bool", Default: false},
			"resizefs": {Type: "bool", Default: false},
		},
		CheckMode: true,
	}
}

func init() { Register("filesystem", filesystemSpec(), ModuleFunc(runFilesystem)) }

// fsProbeCmd prints what the module needs about dev: "missing", or its
// kind (block, file, other) and size in bytes, then blkid's TYPE, then
// its first mount point.
func fsProbeCmd(dev string) string {
	d := connection.Quote(dev)
	return "d=" + d + "; export LANG=C LC_ALL=C; " +
		`if [ ! -e "$d" ]; then echo missing; exit 0; fi; ` +
		`if [ -b "$d" ]; then echo block; blockdev --getsize64 "$d"; elif [ -f "$d" ]; then echo file; wc -c < "$d"; else echo other; echo 0; fi; ` +
		`echo "type=$(blkid -c /dev/null -o value -s TYPE "$d" 2>/dev/null)"; ` +
		`echo "mount=$(findmnt --mtab --noheadings --output TARGET --source "$d" 2>/dev/null | head -n 1)"`
}

// fsProbe is fsProbeCmd's output parsed.
type fsProbe struct {
	Exists     bool
	Kind       string
	Size       int64
	FS         string
	Mountpoint string
}

func fsParseProbe(out string) (fsProbe, error) {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) > 0 && strings.TrimSpace(lines[0]) == "missing" {
		return fsProbe{}, nil
	}
	if len(lines) < 4 {
		return fsProbe{}, fmt.Errorf("filesystem: unexpected probe output %q", out)
	}
	p := fsProbe{Exists: true, Kind: strings.TrimSpace(lines[0])}
	n, err := strconv.ParseInt(strings.TrimSpace(lines[1]), 10, 64)
	if err != nil {
		return p, fmt.Errorf("filesystem: bad device size %q", lines[1])
	}
	p.Size = n
	p.FS = strings.TrimSpace(strings.TrimPrefix(lines[2], "type="))
	p.Mountpoint = strings.TrimPrefix(lines[3], "mount=")
	return p, nil
}

// fsParseSize reads the filesystem's size in bytes from its info tool's
// output (tune2fs -l, xfs_info, pvs --units b).
func fsParseSize(info, out string) (int64, error) {
	switch info {
	case "tune2fs":
		var count, size int64 = -1, -1
		for _, line := range strings.Split(out, "\n") {
			_, v, ok := strings.Cut(line, ":")
			v = strings.TrimSpace(v)
			switch {
			case ok && strings.Contains(line, "Block count:"):
				count, _ = strconv.ParseInt(v, 10, 64)
			case ok && strings.Contains(line, "Block size:"):
				size, _ = strconv.ParseInt(v, 10, 64)
			}
			if count > 0 && size > 0 {
				return count * size, nil
			}
		}
	case "xfs_info":
		var bsize, blocks int64 = -1, -1
		for _, line := range strings.Split(out, "\n") {
			col := strings.Split(line, "=")
			if len(col) >= 4 && strings.TrimSpace(col[0]) == "data" {
				if strings.TrimSpace(col[1]) == "bsize" {
					if f := strings.Fields(col[2]); len(f) > 0 {
						bsize, _ = strconv.ParseInt(f[0], 10, 64)
					}
				}
				if f := strings.Fields(col[2]); len(f) > 1 && f[1] == "blocks" {
					blocks, _ = strconv.ParseInt(strings.TrimSpace(strings.Split(col[3], ",")[0]), 10, 64)
				}
			}
			if bsize > 0 && blocks > 0 {
				return bsize * blocks, nil
			}
		}
	case "pvs":
		n, err := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
		if err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("%q", out)
}

func runFilesystem(ctx context.Context, t *Task) (Result, error) {
	fa := fileArgs(t.Args)
	state, _ := fa.str("state")
	if state == "" {
		state = "present"
	}
	dev, _ := fa.str("dev")
	fstype, hasType := fa.str("fstype")
	opts, _ := fa.str("opts")
	force := fa.boolean("force", false)
	resizefs := fa.boolean("resizefs", false)
	if state == "present" && (!hasType || fstype == "") {
		return Failf("state is present but all of the following are missing: fstype"), nil
	}
	res, err := t.Exec(ctx, fsProbeCmd(dev))
	if err != nil {
		return nil, fmt.Errorf("filesystem: %w", err)
	}
	p, err := fsParseProbe(string(res.Stdout))
	if err != nil {
		return nil, err
	}
	if !p.Exists {
		msg := "Device " + dev + " not found."
		if state == "present" {
			return Failf("%s", msg), nil
		}
		return Result{"changed": false, "msg": msg}, nil
	}
	run := func(argv []string) (string, Result, error) {
		tool := connection.Quote(argv[0])
		res, err := t.Exec(ctx, "command -v "+tool+" >/dev/null 2>&1 || { printf '%s' \"$PATH\" >&2; exit 127; }; LANG=C LC_ALL=C LC_MESSAGES=C "+quoteWords(argv))
		if err != nil {
			return "", nil, fmt.Errorf("filesystem: %w", err)
		}
		if res.ExitCode == 127 {
			return "", Result{"failed": true, "changed": false,
				"msg": fmt.Sprintf("Failed to find required executable \"%s\" in paths: %s", argv[0], string(res.Stderr))}, nil
		}
		if res.ExitCode != 0 {
			return "", Result{"failed": true, "changed": false, "cmd": strings.Join(argv, " "), "rc": res.ExitCode,
				"stdout": string(res.Stdout), "stderr": string(res.Stderr), "msg": strings.TrimSpace(string(res.Stderr))}, nil
		}
		return string(res.Stdout), nil, nil
	}
	if state == "absent" {
		if p.FS == "" {
			return Result{"changed": false}, nil
		}
		if !t.Check {
			if _, fail, err := run([]string{"wipefs", "--all", dev}); fail != nil || err != nil {
				return fail, err
			}
		}
		return Result{"changed": true}, nil
	}
	if fstype == "lvm" {
		fstype = "LVM2_member"
	}
	kind, ok := fsKinds[fstype]
	if !ok {
		return Result{"failed": true, "changed": false, "msg": fmt.Sprintf("module does not support this filesystem (%s) yet.", fstype)}, nil
	}
	same := p.FS != "" && fsSameKind(p.FS, fstype)
	switch {
	case same && !resizefs && !force:
		return Result{"changed": false}, nil
	case same && resizefs:
		if kind.Grow == "" {
			return Result{"failed": true, "changed": false, "msg": fmt.Sprintf("module does not support resizing %s filesystem yet.", fstype)}, nil
		}
		if p.Kind != "block" && p.Kind != "file" {
			return Result{"failed": true, "changed": false, "msg": "Target device not supported: " + dev}, nil
		}
		var infoCmd []string
		switch kind.Info {
		case "tune2fs":
			infoCmd = []string{"tune2fs", "-l", dev}
		case "xfs_info":
			target := dev
			if p.Mountpoint != "" {
				target = p.Mountpoint
			}
			infoCmd = []string{"xfs_info", target}
		case "pvs":
			infoCmd = []string{"pvs", "--noheadings", "-o", "pv_size", "--units", "b", "--nosuffix", dev}
		}
		out, fail, err := run(infoCmd)
		if fail != nil || err != nil {
			return fail, err
		}
		fsSize, err := fsParseSize(kind.Info, out)
		if err != nil {
			return Result{"failed": true, "msg": fmt.Sprintf("unable to process %s output for %s", kind.Info, dev),
				"warnings": []string{fmt.Sprintf("unable to process %s output '%s'", kind.Info, err.Error())}}, nil
		}
		if fsSize >= p.Size {
			return Result{"changed": false, "msg": fmt.Sprintf("%s filesystem is using the whole device %s", kind.Class, dev)}, nil
		}
		if t.Check {
			return Result{"changed": true, "msg": fmt.Sprintf("resizing filesystem %s on device %s", kind.Class, dev)}, nil
		}
		target := dev
		if kind.MountOnly {
			if p.Mountpoint == "" {
				return Failf("%s needs to be mounted for %s operations", dev, kind.Class), nil
			}
			target = p.Mountpoint
		}
		out, fail, err = run(append(append([]string{kind.Grow}, kind.GrowFlags...), target))
		if fail != nil || err != nil {
			return fail, err
		}
		return Result{"changed": true, "msg": out}, nil
	case p.FS != "" && !force:
		return Result{"failed": true, "msg": fmt.Sprintf("'%s' is already used as %s, use force=true to overwrite", dev, p.FS), "rc": 0, "err": ""}, nil
	}
	if !t.Check {
		argv := append([]string{kind.Mkfs}, kind.ForceFlags...)
		argv = append(argv, strings.Fields(opts)...)
		argv = append(argv, dev)
		if _, fail, err := run(argv); fail != nil || err != nil {
			return fail, err
		}
	}
	return Result{"changed": true}, nil
}
