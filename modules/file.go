package modules

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/ome/omeprov/connection"
)

func init() {
	Register("file", Spec{
		Params: fsCommonParams(map[string]Param{
			"state":                    {Type: "str", Choices: []string{"absent", "directory", "file", "hard", "link", "touch"}},
			"path":                     {Type: "path", Required: true, Aliases: []string{"dest", "name"}},
			"_original_basename":       {Type: "str"},
			"recurse":                  {Type: "bool", Default: false},
			"force":                    {Type: "bool", Default: false},
			"follow":                   {Type: "bool", Default: true},
			"_diff_peek":               {Type: "bool"},
			"src":                      {Type: "path"},
			"modification_time":        {Type: "str"},
			"modification_time_format": {Type: "str", Default: "%Y%m%d%H%M.%S"},
			"access_time":              {Type: "str"},
			"access_time_format":       {Type: "str", Default: "%Y%m%d%H%M.%S"},
		}),
		CheckMode: true,
	}, fsUnsupported(runFile))
}

// fileError is a failure of the file module with the extra result keys
// Ansible's AnsibleModuleError carries.
type fileError struct {
	msg   string
	keys  Result
	cause error
}

func (e *fileError) Error() string { return e.msg }

func fileFail(keys Result, format string, a ...any) error {
	return &fileError{msg: fmt.Sprintf(format, a...), keys: keys}
}

// wrap keeps the cause of e (a mode error) reachable with errors.As.
func (e *fileError) wrap(cause error) error { e.cause = cause; return e }

func (e *fileError) Unwrap() error { return e.cause }

// fileRun is one run of the file module.
type fileRun struct {
	t       *Task
	path    string
	src     *string
	follow  bool
	force   bool
	recurse bool
	fsAttrs fsAttrs
	mtime   string // modification_time: "", "now", "preserve" or a time
	atime   string
	mfmt    string
	afmt    string
}

func runFile(ctx context.Context, t *Task) (Result, error) {
	r := &fileRun{
		t:       t,
		src:     fileArgs(t.Args).opt("src"),
		follow:  fileArgs(t.Args).boolean("follow", true),
		force:   fileArgs(t.Args).boolean("force", false),
		recurse: fileArgs(t.Args).boolean("recurse", false),
		fsAttrs: fsAttrsFrom(t.Args),
	}
	r.path, _ = fileArgs(t.Args).str("path")
	r.path = fsCleanPath(r.path)
	if r.path == "" {
		return Failf("missing required arguments: path"), nil
	}
	r.mtime, _ = fileArgs(t.Args).str("modification_time")
	r.atime, _ = fileArgs(t.Args).str("access_time")
	r.mfmt, _ = fileArgs(t.Args).str("modification_time_format")
	r.afmt, _ = fileArgs(t.Args).str("access_time_format")
	state, _ := fileArgs(t.Args).str("state")
	f, err := fsStat(ctx, t, r.path)
	if err != nil {
		return nil, err
	}
	// additional_parameter_handling: a directory path with src means
	// the file of that name inside it.
	if state != "link" && state != "absent" && f.IsDir() {
		base := ""
		if b, ok := fileArgs(t.Args).str("_original_basename"); ok && b != "" {
			base = b
		} else if r.src != nil && *r.src != "" {
			base = path.Base(*r.src)
		}
		if base != "" {
			r.path = path.Join(r.path, base)
			if f, err = fsStat(ctx, t, r.path); err != nil {
				return nil, err
			}
		}
	}
	if state == "" {
		switch {
		case f.state() != "absent":
			state = f.state()
		case r.recurse:
			state = "directory"
		default:
			state = "file"
		}
	}
	if r.recurse && state != "directory" {
		return Result{"failed": true, "path": r.path, "msg": "recurse option requires state to be 'directory'"}, nil
	}
	if r.src != nil && *r.src != "" && state != "link" && state != "hard" {
		return Result{"failed": true, "path": r.path, "msg": "src option requires state to be 'link' or 'hard'"}, nil
	}
	if state == "touch" {
		if r.mtime == "" {
			r.mtime = "now"
		}
		if r.atime == "" {
			r.atime = "now"
		}
	}
	var res Result
	switch state {
	case "file":
		res, err = r.ensureFile(ctx, f)
	case "directory":
		res, err = r.ensureDirectory(ctx, f)
	case "link":
		res, err = r.ensureSymlink(ctx, f)
	case "hard":
		res, err = r.ensureHardlink(ctx, f)
	case "touch":
		res, err = r.touch(ctx, f)
	case "absent":
		res, err = r.ensureAbsent(ctx, f)
	default:
		return Failf("value of state must be one of: absent, directory, file, hard, link, touch, got: %s", state), nil
	}
	if err != nil {
		out := Result{"failed": true, "msg": err.Error()}
		var fe *fileError
		if errors.As(err, &fe) {
			for k, v := range fe.keys {
				out[k] = v
			}
		}
		var me *fsModeError
		if errors.As(err, &me) {
			out["details"] = me.details
			out["msg"] = me.msg
			if _, ok := out["path"]; !ok {
				out["path"] = r.path
			}
		}
		// fail_json adds the path's info as exit_json does
		if p, ok := out["path"].(string); ok && p != "" {
			fsAddPathInfo(ctx, t, out, p)
		}
		return out, nil
	}
	p, _ := res["path"].(string)
	if p == "" {
		p, _ = res["dest"].(string)
	}
	if p != "" {
		fsAddPathInfo(ctx, t, res, p)
	}
	return res, nil
}

// fileDiff is initial_diff: path, and state when it changes.
type fileDiff struct{ before, after map[string]any }

func newFileDiff(p, state, prev string) *fileDiff {
	d := &fileDiff{before: map[string]any{"path": p}, after: map[string]any{"path": p}}
	if prev != state {
		d.before["state"], d.after["state"] = prev, state
	}
	return d
}

func (d *fileDiff) attr() *fsAttrDiff { return &fsAttrDiff{Before: d.before, After: d.after} }

func (d *fileDiff) result(r Result) Result {
	if r.Changed() || len(d.before) > 0 {
		r["diff"] = fsDictDiff(d.before, d.after)
	}
	return r
}

// target is what attributes apply to: the link's target when following.
func (r *fileRun) target(ctx context.Context, f *fsInfo) (*fsInfo, error) {
	if !r.follow || f.Type != "link" {
		return f, nil
	}
	rp := fsRealPath(ctx, r.t, f)
	return fsStat(ctx, r.t, rp)
}

func (r *fileRun) ensureFile(ctx context.Context, f *fsInfo) (Result, error) {
	p, prev := r.path, f.state()
	if prev != "file" && r.follow && prev == "link" {
		tf, err := r.target(ctx, f)
		if err != nil {
			return nil, err
		}
		f, p, prev = tf, tf.Path, tf.state()
	}
	if prev != "file" && prev != "hard" {
		return nil, fileFail(Result{"path": p, "state": prev}, "file (%s) is %s, cannot continue", p, prev)
	}
	d := newFileDiff(p, "file", prev)
	changed, err := fsSetAttrs(ctx, r.t, f, r.fsAttrs, r.follow, d.attr())
	if err != nil {
		return nil, fileFail(Result{"path": p}, "%v", err).(*fileError).wrap(err)
	}
	tc, err := r.timestamps(ctx, f, d)
	if err != nil {
		return nil, err
	}
	return d.result(Result{"path": p, "changed": changed || tc}), nil
}

func (r *fileRun) ensureDirectory(ctx context.Context, f *fsInfo) (Result, error) {
	p := r.path
	if r.follow && f.Type == "link" {
		tf, err := r.target(ctx, f)
		if err != nil {
			return nil, err
		}
		f, p = tf, tf.Path
		if f.Path == r.path {
			// dangling link: Ansible's realpath names the missing target
			p = f.Path
		}
	}
	prev := f.state()
	d := newFileDiff(p, "directory", prev)
	switch {
	case prev == "absent":
		if r.t.Check {
			return d.result(Result{"path": p, "changed": true}), nil
		}
		created, err := r.mkdirs(ctx, p)
		if err != nil {
			return nil, fileFail(Result{"path": p}, "There was an issue creating %s as requested: %v", p, err)
		}
		changed := len(created) > 0
		for _, c := range created {
			cf, err := fsStat(ctx, r.t, c)
			if err != nil {
				return nil, err
			}
			if _, err := fsSetAttrs(ctx, r.t, cf, r.fsAttrs, r.follow, d.attr()); err != nil {
				return nil, fileFail(Result{"path": p}, "There was an issue creating %s as requested: %v", c, err)
			}
		}
		return d.result(Result{"path": p, "changed": changed}), nil
	case prev != "directory":
		return nil, fileFail(Result{"path": p}, "%s already exists as a %s", p, prev)
	}
	changed, err := fsSetAttrs(ctx, r.t, f, r.fsAttrs, r.follow, d.attr())
	if err != nil {
		return nil, fileFail(Result{"path": p}, "%v", err).(*fileError).wrap(err)
	}
	tc, err := r.timestamps(ctx, f, d)
	if err != nil {
		return nil, err
	}
	changed = changed || tc
	if r.recurse {
		rc, err := r.recursive(ctx, p)
		if err != nil {
			return nil, err
		}
		changed = changed || rc
	}
	return d.result(Result{"path": p, "changed": changed}), nil
}

// mkdirs creates p and its missing parents one by one, returning those it
// created (outermost first).
func (r *fileRun) mkdirs(ctx context.Context, p string) ([]string, error) {
	var prefixes []string
	cur := ""
	for _, part := range strings.Split(strings.Trim(p, "/"), "/") {
		if part == "" {
			continue
		}
		if cur == "" && !strings.HasPrefix(p, "/") {
			cur = part
		} else {
			cur = cur + "/" + part
		}
		prefixes = append(prefixes, cur)
	}
	var q []string
	for _, pre := range prefixes {
		q = append(q, fsShellPath(pre))
	}
	script := "for d in " + strings.Join(q, " ") + `; do if [ ! -e "$d" ]; then mkdir -- "$d" || exit 1; printf '%s\n' "$d"; fi; done`
	res, err := r.t.Exec(ctx, script)
	if err != nil {
		return nil, err
	}
	var created []string
	for _, l := range strings.Split(strings.TrimRight(string(res.Stdout), "\n"), "\n") {
		if l != "" {
			created = append(created, l)
		}
	}
	if res.ExitCode != 0 {
		return created, fmt.Errorf("%s", strings.TrimSpace(string(res.Stderr)))
	}
	return created, nil
}

// recursive applies the attributes to everything under p.
func (r *fileRun) recursive(ctx context.Context, p string) (bool, error) {
	if r.fsAttrs.Owner == "" && r.fsAttrs.Group == "" && r.fsAttrs.Mode == nil {
		return false, nil
	}
	entries, err := fsListTree(ctx, r.t, p, r.follow)
	if err != nil {
		return false, err
	}
	changed := false
	for _, e := range entries {
		c, err := fsSetAttrs(ctx, r.t, e, r.fsAttrs, false, nil)
		if err != nil {
			return false, fileFail(Result{"path": e.Path}, "%v", err)
		}
		changed = changed || c
	}
	return changed, nil
}

func (r *fileRun) ensureSymlink(ctx context.Context, f *fsInfo) (Result, error) {
	p, prev := r.path, f.state()
	src := r.src
	if src == nil && r.follow && f.Type == "link" && f.TargetType != "" {
		s := f.Target
		src = &s
	}
	rel := path.Dir(p)
	if f.Type == "directory" {
		rel = p
	}
	if !r.force && src != nil {
		abs := path.Join(rel, *src)
		if strings.HasPrefix(*src, "/") {
			abs = *src
		}
		sf, err := fsStat(ctx, r.t, abs)
		if err != nil {
			return nil, err
		}
		if !sf.Exists || sf.Type == "link" && sf.TargetType == "" {
			return nil, fileFail(Result{"path": p, "src": *src}, `src file does not exist, use "force=yes" if you really want to create the link: %s`, abs)
		}
	}
	switch {
	case prev == "directory":
		if !r.force {
			return nil, fileFail(Result{"path": p}, "refusing to convert from %s to symlink for %s", prev, p)
		}
		res, err := r.t.Exec(ctx, "ls -A -- "+fsShellPath(p))
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(string(res.Stdout)) != "" {
			return nil, fileFail(Result{"path": p}, "the directory %s is not empty, refusing to convert it", p)
		}
	case (prev == "file" || prev == "hard") && !r.force:
		return nil, fileFail(Result{"path": p}, "refusing to convert from %s to symlink for %s", prev, p)
	}
	d := newFileDiff(p, "link", prev)
	changed := false
	switch prev {
	case "hard", "file", "directory", "absent":
		if src == nil {
			return nil, fileFail(nil, "src is required for creating new symlinks")
		}
		changed = true
	case "link":
		if src != nil && f.Target != *src {
			d.before["src"], d.after["src"] = f.Target, *src
			changed = true
		}
	default:
		return nil, fileFail(Result{"dest": p}, "unexpected position reached")
	}
	if changed && !r.t.Check {
		var cmd string
		sq, pq := connection.Quote(*src), fsShellPath(p)
		switch prev {
		case "absent":
			cmd = "ln -s -- " + sq + " " + pq
		case "directory":
			cmd = "rmdir -- " + pq + " && ln -s -- " + sq + " " + pq
		default:
			tmp := fsShellPath(path.Join(path.Dir(p), fmt.Sprintf(".omeprov.%d.tmp", time.Now().UnixNano())))
			cmd = "ln -s -- " + sq + " " + tmp + " && { mv -T -- " + tmp + " " + pq + " 2>/dev/null || { rm -f -- " + tmp + "; ln -sfn -- " + sq + " " + pq + "; }; }"
		}
		res, err := r.t.Exec(ctx, cmd)
		if err != nil {
			return nil, err
		}
		if res.ExitCode != 0 {
			word := "linking"
			if prev != "absent" {
				word = "replacing"
			}
			return nil, fileFail(Result{"path": p}, "Error while %s: %s", word, strings.TrimSpace(string(res.Stderr)))
		}
	}
	srcVal := any(nil)
	if src != nil {
		srcVal = *src
	}
	nf := f
	if changed && !r.t.Check {
		var err error
		if nf, err = fsStat(ctx, r.t, p); err != nil {
			return nil, err
		}
	}
	if r.t.Check && !(nf.Exists && (nf.Type != "link" || nf.TargetType != "")) {
		return d.result(Result{"dest": p, "src": srcVal, "changed": changed}), nil
	}
	res := Result{"dest": p, "src": srcVal}
	if r.follow && nf.Type == "link" && nf.TargetType == "" {
		res["warnings"] = []string{"Cannot set fs attributes on a non-existent symlink target. follow should be set to False to avoid this."}
	} else {
		tf, err := r.target(ctx, nf)
		if err != nil {
			return nil, err
		}
		c, err := fsSetAttrs(ctx, r.t, tf, r.fsAttrs, r.follow, d.attr())
		if err != nil {
			return nil, fileFail(Result{"path": p}, "%v", err).(*fileError).wrap(err)
		}
		changed = changed || c
	}
	res["changed"] = changed
	return d.result(res), nil
}

func (r *fileRun) ensureHardlink(ctx context.Context, f *fsInfo) (Result, error) {
	p, prev := r.path, f.state()
	if prev != "hard" && r.src == nil {
		return nil, fileFail(nil, "src is required for creating new hardlinks")
	}
	var sf *fsInfo
	if r.src != nil {
		var err error
		if sf, err = fsStat(ctx, r.t, *r.src); err != nil {
			return nil, err
		}
		if !sf.Exists {
			return nil, fileFail(Result{"dest": p, "src": *r.src}, "src does not exist")
		}
	}
	d := newFileDiff(p, "hard", prev)
	changed := false
	srcVal := any(nil)
	if r.src != nil {
		srcVal = *r.src
	}
	switch prev {
	case "absent":
		changed = true
	case "link":
		if f.Target != *r.src {
			d.before["src"], d.after["src"] = f.Target, *r.src
			changed = true
		}
	case "hard":
		if sf != nil && (f.Inode != sf.Inode || f.Dev != sf.Dev) {
			changed = true
			if !r.force {
				return nil, fileFail(Result{"dest": p, "src": srcVal}, "Cannot link, different hard link exists at destination")
			}
		}
	case "file":
		changed = true
		if !r.force {
			return nil, fileFail(Result{"dest": p, "src": srcVal}, "Cannot link, %s exists at destination", prev)
		}
	case "directory":
		changed = true
		if f.Inode == sf.Inode && f.Dev == sf.Dev {
			return Result{"path": p, "changed": false}, nil
		}
		if !r.force {
			return nil, fileFail(Result{"dest": p, "src": srcVal}, "Cannot link: different hard link exists at destination")
		}
	default:
		return nil, fileFail(Result{"dest": p, "src": srcVal}, "unexpected position reached")
	}
	if changed && !r.t.Check {
		sq, pq := fsShellPath(*r.src), fsShellPath(p)
		var cmd string
		if prev == "absent" {
			cmd = "ln -- " + sq + " " + pq
		} else {
			tmp := fsShellPath(path.Join(path.Dir(p), fmt.Sprintf(".omeprov.%d.tmp", time.Now().UnixNano())))
			cmd = "ln -- " + sq + " " + tmp + " && mv -f -- " + tmp + " " + pq
		}
		res, err := r.t.Exec(ctx, cmd)
		if err != nil {
			return nil, err
		}
		if res.ExitCode != 0 {
			return nil, fileFail(Result{"path": p}, "Error while linking: %s", strings.TrimSpace(string(res.Stderr)))
		}
	}
	nf, err := fsStat(ctx, r.t, p)
	if err != nil {
		return nil, err
	}
	if r.t.Check && !nf.Exists {
		return d.result(Result{"dest": p, "src": srcVal, "changed": changed}), nil
	}
	c, err := fsSetAttrs(ctx, r.t, nf, r.fsAttrs, r.follow, d.attr())
	if err != nil {
		return nil, fileFail(Result{"path": p}, "%v", err).(*fileError).wrap(err)
	}
	return d.result(Result{"dest": p, "src": srcVal, "changed": changed || c}), nil
}

func (r *fileRun) touch(ctx context.Context, f *fsInfo) (Result, error) {
	p, prev := r.path, f.state()
	res := Result{"dest": p}
	if prev == "absent" {
		if r.t.Check {
			res["changed"] = true
			return res, nil
		}
		out, err := r.t.Exec(ctx, ": >> "+fsShellPath(p))
		if err != nil {
			return nil, err
		}
		if out.ExitCode != 0 {
			return nil, fileFail(Result{"path": p}, "Error, could not touch target: %s", strings.TrimSpace(string(out.Stderr)))
		}
		if f, err = fsStat(ctx, r.t, p); err != nil {
			return nil, err
		}
	}
	d := newFileDiff(p, "touch", prev)
	tf, err := r.target(ctx, f)
	if err != nil {
		return nil, err
	}
	changed, err := fsSetAttrs(ctx, r.t, tf, r.fsAttrs, r.follow, d.attr())
	if err != nil {
		if prev == "absent" {
			r.t.Exec(ctx, "rm -f -- "+fsShellPath(p))
		}
		return nil, fileFail(Result{"path": p}, "%v", err).(*fileError).wrap(err)
	}
	tc, err := r.timestamps(ctx, tf, d)
	if err != nil {
		return nil, err
	}
	res["changed"] = changed || tc || prev == "absent"
	return d.result(res), nil
}

// timestamps applies modification_time and access_time ("now", "preserve"
// or a time in their formats) with touch.
func (r *fileRun) timestamps(ctx context.Context, f *fsInfo, d *fileDiff) (bool, error) {
	if (r.mtime == "" || r.mtime == "preserve") && (r.atime == "" || r.atime == "preserve") {
		return false, nil
	}
	var cmds []string
	now := time.Now()
	for _, x := range []struct {
		val, format, flag, key string
		cur                    int64
	}{{r.mtime, r.mfmt, "-m", "mtime", f.Mtime}, {r.atime, r.afmt, "-a", "atime", f.Atime}} {
		switch x.val {
		case "", "preserve":
			continue
		case "now":
			cmds = append(cmds, "touch "+x.flag+" -- "+fsShellPath(f.Path))
			if d != nil {
				d.before[x.key], d.after[x.key] = float64(x.cur), float64(now.Unix())
			}
		default:
			ts, err := strftimeParse(x.format, x.val)
			if err != nil {
				return false, fileFail(Result{"path": f.Path}, "Error while obtaining timestamp for time %s using format %s: %v", x.val, x.format, err)
			}
			if ts.Unix() == x.cur {
				continue
			}
			cmds = append(cmds, "touch "+x.flag+" -t "+ts.Format("200601021504.05")+" -- "+fsShellPath(f.Path))
			if d != nil {
				d.before[x.key], d.after[x.key] = float64(x.cur), float64(ts.Unix())
			}
		}
	}
	if len(cmds) == 0 {
		return false, nil
	}
	if r.t.Check {
		return true, nil
	}
	res, err := r.t.Exec(ctx, strings.Join(cmds, " && "))
	if err != nil {
		return false, err
	}
	if res.ExitCode != 0 {
		return false, fileFail(Result{"path": f.Path}, "Error while updating modification or access time: %s", strings.TrimSpace(string(res.Stderr)))
	}
	return true, nil
}

// strftimeParse parses v with a Python strftime format (the directives
// %Y %m %d %H %M %S %y %b %p %I and %%), in the controller's local time.
func strftimeParse(format, v string) (time.Time, error) {
	repl := map[byte]string{'Y': "2006", 'm': "01", 'd': "02", 'H': "15", 'M': "04", 'S': "05", 'y': "06", 'b': "Jan", 'p': "PM", 'I': "03", '%': "%"}
	var layout strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] == '%' && i+1 < len(format) {
			g, ok := repl[format[i+1]]
			if !ok {
				return time.Time{}, fmt.Errorf("unsupported directive %%%c", format[i+1])
			}
			layout.WriteString(g)
			i++
			continue
		}
		layout.WriteByte(format[i])
	}
	return time.ParseInLocation(layout.String(), v, time.Local)
}

func (r *fileRun) ensureAbsent(ctx context.Context, f *fsInfo) (Result, error) {
	p, prev := r.path, f.state()
	if prev == "absent" {
		return Result{"path": p, "changed": false, "state": "absent"}, nil
	}
	d := newFileDiff(p, "absent", prev)
	if prev == "directory" {
		entries, err := fsListTree(ctx, r.t, p, false)
		if err != nil {
			return nil, err
		}
		d.before["path_content"] = walkList(p, entries)
	}
	if !r.t.Check {
		cmd := "rm -f -- " + fsShellPath(p)
		if prev == "directory" {
			cmd = "rm -rf -- " + fsShellPath(p)
		}
		res, err := r.t.Exec(ctx, cmd)
		if err != nil {
			return nil, err
		}
		if res.ExitCode != 0 {
			word := "unlinking failed: "
			if prev == "directory" {
				word = "rmtree failed: "
			}
			return nil, fileFail(Result{"path": p}, "%s%s", word, strings.TrimSpace(string(res.Stderr)))
		}
	}
	return d.result(Result{"path": p, "changed": true, "state": "absent"}), nil
}

// walkList is the path_content of file state=absent: the directories and
// files under root in the order os.walk visits them (each directory's
// subdirectories, then its files, then the walk into each subdirectory),
// rebuilt from find's depth-first listing.
func walkList(root string, entries []*fsInfo) map[string]any {
	children := map[string][]*fsInfo{}
	for _, e := range entries {
		parent := path.Dir(e.Path)
		children[parent] = append(children[parent], e)
	}
	dirs, files := []any{}, []any{}
	var walk func(dir string, depth int)
	walk = func(dir string, depth int) {
		if depth > 256 {
			return
		}
		var sub []string
		for _, c := range children[dir] {
			if c.Type == "directory" {
				dirs = append(dirs, c.Path)
				sub = append(sub, c.Path)
			}
		}
		for _, c := range children[dir] {
			if c.Type != "directory" {
				files = append(files, c.Path)
			}
		}
		for _, s := range sub {
			walk(s, depth+1)
		}
	}
	walk(path.Clean(root), 0)
	return map[string]any{"directories": dirs, "files": files}
}
