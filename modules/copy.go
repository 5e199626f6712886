package modules

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"
)

func init() {
	Register("copy", Spec{
		Params: fsCommonParams(map[string]Param{
			"src":                {Type: "path"},
			"_original_basename": {Type: "str"},
			"content":            {Type: "raw", NoLog: true},
			"dest":               {Type: "path", Required: true},
			"backup":             {Type: "bool", Default: false},
			"force":              {Type: "bool", Default: true, Aliases: []string{"thirsty"}},
			"validate":           {Type: "str"},
			"directory_mode":     {Type: "raw"},
			"remote_src":         {Type: "bool", Default: false},
			"local_follow":       {Type: "bool", Default: true},
			"checksum":           {Type: "str"},
			"follow":             {Type: "bool", Default: false},
			"decrypt":            {Type: "bool", Default: true},
		}),
		MutuallyExclusive: [][]string{{"src", "content"}},
		CheckMode:         true,
	}, fsUnsupported(runCopy))
}

// copyNotFound is the message for a src missing on the controller.
const copyNotFound = "Could not find or access '%s' on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option"

// copyMaxDiffSize is Ansible's MAX_FILE_SIZE_FOR_DIFF default.
const copyMaxDiffSize = 104448

// copySource is one file to put on the host: its bytes, its name relative
// to the copy's root, its controller path ("" for content) and mode.
type copySource struct {
	Data []byte
	Rel  string
	Path string
	Mode fs.FileMode
	// Remote is set for remote_src: the copy module alone decides, and
	// its result is returned as is (no file module for unchanged files).
	// Like Ansible's copy module, it reports no diff.
	Remote bool
	// Generated is set for content made on the controller (a rendered
	// template): Ansible writes it to a local temporary file first, so
	// the diff does not name the template; omeprov's header says
	// "dynamically generated", as it does for content.
	Generated bool
}

func runCopy(ctx context.Context, t *Task) (Result, error) {
	src, hasSrc := fileArgs(t.Args).str("src")
	content, hasContent := t.Args["content"]
	if content == nil {
		hasContent = false
	}
	dest, _ := fileArgs(t.Args).str("dest")
	switch {
	case hasSrc && hasContent:
		return Failf("src and content are mutually exclusive"), nil
	case !hasSrc && !hasContent:
		return Failf("src (or content) is required"), nil
	case dest == "":
		return Failf("dest is required"), nil
	}
	if fileArgs(t.Args).boolean("remote_src", false) {
		if !hasSrc {
			return Failf("src (or content) is required"), nil
		}
		return copyRemote(ctx, t, src, dest)
	}
	if hasContent {
		if strings.HasSuffix(dest, "/") {
			return Failf("can not use content with a dir as dest"), nil
		}
		var data []byte
		switch c := content.(type) {
		case string:
			data = []byte(c)
		case []byte:
			data = c
		default:
			// Ansible writes dicts and lists as JSON
			b, err := json.Marshal(c)
			if err != nil {
				return Failf("content: %v", err), nil
			}
			data = b
		}
		return copyFile(ctx, t, copySource{Data: data, Rel: path.Base(dest)}, dest)
	}
	full, err := t.Ctl.FindFile("files", src)
	if err != nil {
		return Failf(copyNotFound, src), nil
	}
	fi, err := os.Stat(full)
	if err != nil {
		return Failf(copyNotFound, src), nil
	}
	if !fi.IsDir() {
		data, err := os.ReadFile(full)
		if err != nil {
			return Failf("could not read src=%s, %v", full, err), nil
		}
		return copyFile(ctx, t, copySource{Data: data, Rel: path.Base(full), Path: full, Mode: fi.Mode()}, dest)
	}
	return copyTree(ctx, t, src, full, dest)
}

// copyTree copies a controller directory: its content when src ends in
// "/", else the directory itself into dest.
func copyTree(ctx context.Context, t *Task, src, full, dest string) (Result, error) {
	base := ""
	if !strings.HasSuffix(src, "/") {
		base = filepath.Base(full)
	}
	if !strings.HasSuffix(dest, "/") {
		dest += "/"
	}
	var dirs []string
	var files []copySource
	localFollow := fileArgs(t.Args).boolean("local_follow", true)
	var walk func(dir, rel string, depth int) error
	walk = func(dir, rel string, depth int) error {
		if depth > 64 {
			return fmt.Errorf("%s: too many levels of links", dir)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			r := path.Join(rel, e.Name())
			fi, err := os.Lstat(p)
			if err != nil {
				return err
			}
			if fi.Mode()&fs.ModeSymlink != 0 {
				if !localFollow {
					continue
				}
				if fi, err = os.Stat(p); err != nil {
					continue // dangling
				}
			}
			if fi.IsDir() {
				dirs = append(dirs, r)
				if err := walk(p, r, depth+1); err != nil {
					return err
				}
				continue
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			files = append(files, copySource{Data: data, Rel: r, Path: p, Mode: fi.Mode()})
		}
		return nil
	}
	if err := walk(full, base, 0); err != nil {
		return Failf("could not read src=%s: %v", src, err), nil
	}
	if base != "" {
		dirs = append([]string{base}, dirs...)
	}
	sort.Strings(dirs)
	changed := false
	dirMode := t.Args["directory_mode"]
	for _, d := range dirs {
		args := map[string]any{"path": path.Join(dest, d), "state": "directory"}
		for _, k := range []string{"owner", "group"} {
			if v, ok := t.Args[k]; ok {
				args[k] = v
			}
		}
		if dirMode != nil {
			args["mode"] = dirMode
		}
		sub := *t
		sub.Args = args
		r, err := runFile(ctx, &sub)
		if err != nil {
			return nil, err
		}
		if r.Failed() {
			return r, nil
		}
		changed = changed || r.Changed()
	}
	var last Result
	for _, f := range files {
		r, err := copyFile(ctx, t, f, dest)
		if err != nil {
			return nil, err
		}
		if r.Failed() {
			return r, nil
		}
		changed = changed || r.Changed()
		last = r
	}
	if len(files) == 1 && last != nil {
		last["changed"] = changed
		return last, nil
	}
	// As Ansible's copy action: the result of a tree of several files is
	// dest and src alone (the per-file diffs are not reported), src being
	// the path found on the controller, ending in "/" as src does.
	if strings.HasSuffix(src, "/") {
		full = strings.TrimSuffix(full, "/") + "/"
	}
	return Result{"changed": changed, "dest": strings.TrimSuffix(dest, "/") + "/", "src": full}, nil
}

// copyContentDiff is the diff of putting after where before was (exists is
// false for a new file), with Ansible's refusals for large and binary
// files.
func copyContentDiff(before []byte, exists bool, after []byte, dest, afterHeader string) Diff {
	d := Diff{AfterHeader: afterHeader}
	if exists {
		d.BeforeHeader = dest
	}
	switch {
	case len(before) > copyMaxDiffSize:
		d.Prepared = fmt.Sprintf("diff skipped: destination file size is greater than %d", copyMaxDiffSize)
	case len(after) > copyMaxDiffSize:
		d.Prepared = fmt.Sprintf("diff skipped: source file size is greater than %d", copyMaxDiffSize)
	case bytes.IndexByte(before, 0) >= 0 || !utf8.Valid(before):
		d.Prepared = "diff skipped: destination file appears to be binary"
	case bytes.IndexByte(after, 0) >= 0 || !utf8.Valid(after):
		d.Prepared = "diff skipped: source file appears to be binary"
	default:
		d.Before, d.After = string(before), string(after)
	}
	return d
}

// copyFile puts one source at dest as the copy action and module do
// together.
func copyFile(ctx context.Context, t *Task, s copySource, dest string) (Result, error) {
	force := fileArgs(t.Args).boolean("force", true)
	follow := fileArgs(t.Args).boolean("follow", false)
	modeArg := t.Args["mode"]
	if m, ok := modeArg.(string); ok && m == "preserve" {
		if s.Path == "" {
			modeArg = nil
		} else {
			modeArg = fsModeString(uint32(s.Mode.Perm()) | copySpecialBits(s.Mode))
		}
	}
	destFile := dest
	if strings.HasSuffix(dest, "/") {
		destFile = path.Join(dest, s.Rel)
	}
	df, err := fsStat(ctx, t, destFile)
	if err != nil {
		return nil, err
	}
	if df.IsDir() {
		if s.Path == "" {
			return Failf("can not use content with a dir as dest"), nil
		}
		destFile = path.Join(dest, s.Rel)
		if df, err = fsStat(ctx, t, destFile); err != nil {
			return nil, err
		}
	}
	if df.Exists && !force {
		return Result{"changed": false, "dest": destFile, "src": s.Path}, nil
	}
	localSum := fsSHA1(s.Data)
	if want, ok := fileArgs(t.Args).str("checksum"); ok && want != "" && want != localSum {
		return Result{"failed": true, "msg": "Copied file does not match the expected checksum. Transfer failed.", "checksum": localSum, "expected_checksum": want}, nil
	}
	// the real file when following a link
	target := df
	if follow && df.Type == "link" && df.TargetType != "" {
		rp := fsRealPath(ctx, t, df)
		if target, err = fsStat(ctx, t, rp); err != nil {
			return nil, err
		}
	}
	remoteSum := ""
	if target.Exists && target.Type == "file" {
		if remoteSum, err = fsChecksum(ctx, t, target.Path); err != nil {
			return nil, err
		}
	}
	moduleResult := func(changed bool) Result {
		r := Result{"changed": changed, "dest": target.Path, "src": s.Path, "checksum": localSum, "md5sum": fsMD5(s.Data)}
		fsAddPathInfo(ctx, t, r, target.Path)
		return r
	}
	if remoteSum == localSum && target.Type != "link" && s.Remote {
		did, err := fsSetAttrs(ctx, t, target, fsAttrs{Owner: fsAttrsFrom(t.Args).Owner, Group: fsAttrsFrom(t.Args).Group, Mode: modeArg}, true, nil)
		if err != nil {
			return Failf("%v", err), nil
		}
		return moduleResult(did), nil
	}
	if remoteSum == localSum && target.Type != "link" {
		// unchanged content: the file module sets the attributes
		args := map[string]any{"path": target.Path, "state": "file", "follow": follow}
		for _, k := range []string{"owner", "group"} {
			if v, ok := t.Args[k]; ok {
				args[k] = v
			}
		}
		if modeArg != nil {
			args["mode"] = modeArg
		}
		sub := *t
		sub.Args = args
		r, err := runFile(ctx, &sub)
		if err != nil {
			return nil, err
		}
		r["dest"] = target.Path
		if _, ok := r["checksum"]; !ok {
			r["checksum"] = localSum
		}
		return r, nil
	}
	res := Result{}
	var diffs []Diff
	if t.Diff && !s.Remote {
		var before []byte
		if remoteSum != "" && target.Size <= copyMaxDiffSize {
			if before, err = fsRead(ctx, t, target.Path); err != nil {
				return nil, err
			}
		} else if remoteSum != "" {
			before = make([]byte, target.Size)
		}
		hdr := s.Path
		if hdr == "" || s.Generated {
			hdr = "dynamically generated"
		}
		diffs = append(diffs, copyContentDiff(before, remoteSum != "", s.Data, target.Path, hdr))
		res["diff"] = diffs
	}
	if t.Check {
		if s.Remote {
			return moduleResult(true), nil
		}
		res["changed"] = true
		return res, nil
	}
	// the copy module on the host
	parent := path.Dir(target.Path)
	pf, err := fsStat(ctx, t, parent)
	if err != nil {
		return nil, err
	}
	if !pf.IsDir() {
		if !strings.HasSuffix(dest, "/") {
			return Result{"failed": true, "msg": fmt.Sprintf("Destination directory %s does not exist", parent), "checksum": localSum}, nil
		}
		sub := *t
		sub.Args = map[string]any{"path": parent, "state": "directory", "mode": t.Args["directory_mode"]}
		r, err := runFile(ctx, &sub)
		if err != nil {
			return nil, err
		}
		if r.Failed() {
			return r, nil
		}
	}
	if fileArgs(t.Args).boolean("backup", false) && target.Exists {
		bf, err := fsBackup(ctx, t, target.Path)
		if err != nil {
			return Failf("%v", err), nil
		}
		res["backup_file"] = bf
	}
	var newMode fs.FileMode
	if !target.Exists || target.Type == "link" {
		// a new file gets 0666 less the umask, or the octal mode asked for
		newMode = fs.FileMode(0o666 &^ target.Umask)
		if m, ok, err := fsParseMode(modeArg, uint32(newMode), false, target.Umask); err == nil && ok {
			newMode = fs.FileMode(m)
		}
	}
	validate, _ := fileArgs(t.Args).str("validate")
	if err := fsWrite(ctx, t, target.Path, s.Data, validate, newMode); err != nil {
		return fsFailResult(err, Result{"checksum": localSum}), nil
	}
	nf, err := fsStat(ctx, t, target.Path)
	if err != nil {
		return nil, err
	}
	if _, err := fsSetAttrs(ctx, t, nf, fsAttrs{Owner: fsAttrsFrom(t.Args).Owner, Group: fsAttrsFrom(t.Args).Group, Mode: modeArg}, true, nil); err != nil {
		return Failf("%v", err), nil
	}
	res["changed"] = true
	res["dest"] = target.Path
	res["src"] = s.Path
	if s.Path == "" {
		res["src"] = target.Path
	}
	res["checksum"] = localSum
	res["md5sum"] = fsMD5(s.Data)
	fsAddPathInfo(ctx, t, res, target.Path)
	return res, nil
}

// copySpecialBits converts Go's setuid/setgid/sticky flags to their octal bits.
func copySpecialBits(m fs.FileMode) uint32 {
	var b uint32
	if m&fs.ModeSetuid != 0 {
		b |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		b |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		b |= 0o1000
	}
	return b
}

// copyRemote copies a file or directory already on the host
// (remote_src: yes).
func copyRemote(ctx context.Context, t *Task, src, dest string) (Result, error) {
	sf, err := fsStat(ctx, t, src)
	if err != nil {
		return nil, err
	}
	if !sf.Exists {
		return Failf("Source %s not found", src), nil
	}
	if sf.IsDir() {
		return copyRemoteDir(ctx, t, src, dest, sf)
	}
	if sf.TargetType != "file" {
		return Failf("Cannot copy invalid source '%s': not a file", src), nil
	}
	data, err := fsRead(ctx, t, src)
	if err != nil {
		return Failf("Source %s not readable", src), nil
	}
	if m, ok := t.Args["mode"].(string); ok && m == "preserve" {
		sub := *t
		sub.Args = copyArgsClone(t.Args)
		sub.Args["mode"] = fsModeString(sf.Mode)
		t = &sub
	}
	r, err := copyFile(ctx, t, copySource{Data: data, Rel: path.Base(src), Path: src, Remote: true}, dest)
	if err == nil && r.Changed() {
		r["src"] = src
	}
	return r, err
}

func copyArgsClone(a map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	for k, v := range a {
		out[k] = v
	}
	return out
}

// copyRemoteDir copies a directory on the host with cp -R, reporting a
// change when diff -r finds a difference.
func copyRemoteDir(ctx context.Context, t *Task, src, dest string, sf *fsInfo) (Result, error) {
	from, to := strings.TrimSuffix(src, "/"), strings.TrimSuffix(dest, "/")
	if !strings.HasSuffix(src, "/") {
		to = path.Join(to, path.Base(from))
	}
	check := "[ -d " + fsShellPath(to) + " ] && diff -r -q -- " + fsShellPath(from) + " " + fsShellPath(to) + " >/dev/null 2>&1"
	res, err := t.Exec(ctx, check)
	if err != nil {
		return nil, err
	}
	changed := res.ExitCode != 0
	if changed && !t.Check {
		cmd := "mkdir -p -- " + fsShellPath(to) + " && cp -R -p -- " + fsShellPath(from) + "/. " + fsShellPath(to) + "/"
		out, err := t.Exec(ctx, cmd)
		if err != nil {
			return nil, err
		}
		if out.ExitCode != 0 {
			return Failf("failed to copy: %s to %s: %s", src, dest, strings.TrimSpace(string(out.Stderr))), nil
		}
	}
	a := fsAttrsFrom(t.Args)
	if !t.Check && (a.Owner != "" || a.Group != "") {
		sub := *t
		sub.Args = map[string]any{"path": to, "state": "directory", "recurse": true, "owner": a.Owner, "group": a.Group}
		if a.Owner == "" {
			delete(sub.Args, "owner")
		}
		if a.Group == "" {
			delete(sub.Args, "group")
		}
		r, err := runFile(ctx, &sub)
		if err != nil {
			return nil, err
		}
		if r.Failed() {
			return r, nil
		}
		changed = changed || r.Changed()
	}
	return Result{"changed": changed, "dest": dest, "src": src}, nil
}
