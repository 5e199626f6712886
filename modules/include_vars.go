package modules

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/ome/omeprov/internal/yaml11"
)

func init() {
	Register("include_vars", Spec{
		Params: map[string]Param{
			"file": {Type: "raw"}, "_raw_params": {Type: "raw"}, "dir": {Type: "raw"}, "depth": {Type: "raw"},
			"files_matching": {Type: "raw"}, "ignore_files": {Type: "raw"}, "extensions": {Type: "raw"},
			"ignore_unknown_extensions": {Type: "raw"}, "name": {Type: "raw"}, "hash_behaviour": {Type: "raw"},
		},
		FreeForm: "_raw_params",
		// The action checks its own option names, with its own message.
		AnyParams: true,
		Action:    true,
		CheckMode: true,
	}, ModuleFunc(runIncludeVars))
}

var (
	includeVarsDirArgs  = []string{"dir", "depth", "files_matching", "ignore_files", "extensions", "ignore_unknown_extensions"}
	includeVarsFileArgs = []string{"file", "_raw_params"}
	includeVarsAllArgs  = []string{"name", "hash_behaviour"}
)

func ivContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// includeVars is one include_vars run: the options, and what was read.
type includeVars struct {
	ctl              Controller
	name             string
	hashBehaviour    string
	file, dir        string
	depth            int
	matcher          *regexp.Regexp
	ignoreFiles      []string
	extensions       []string
	ignoreUnknownExt bool
	included         []any
}

func runIncludeVars(ctx context.Context, t *Task) (Result, error) {
	iv, err := newIncludeVars(t.Ctl, t.Args)
	if err != nil {
		return Result{"failed": true, "changed": false, "msg": err.Error()}, nil
	}
	return iv.run(), nil
}

// newIncludeVars checks include_vars' options as the action plugin does.
func newIncludeVars(ctl Controller, args map[string]any) (*includeVars, error) {
	dirs, files := 0, 0
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch {
		case ivContains(includeVarsDirArgs, k):
			dirs++
		case ivContains(includeVarsFileArgs, k):
			files++
		case ivContains(includeVarsAllArgs, k):
		default:
			return nil, fmt.Errorf("%s is not a valid option in include_vars", k)
		}
	}
	if dirs > 0 && files > 0 {
		return nil, errors.New("You are mixing file only and dir only arguments, these are incompatible")
	}
	str := func(k string) string {
		if v, ok := args[k]; ok && v != nil {
			return pyStr(v)
		}
		return ""
	}
	iv := &includeVars{ctl: ctl, name: str("name"), hashBehaviour: str("hash_behaviour"), dir: str("dir"), file: str("file")}
	if iv.dir == "" && iv.file == "" {
		iv.file = strings.TrimRight(str("_raw_params"), "\n")
	}
	if v, ok := args["depth"]; ok && v != nil {
		d, err := pyIntCall(v)
		if err != nil {
			return nil, fmt.Errorf("depth: %w", err)
		}
		iv.depth = d
	}
	if m := str("files_matching"); m != "" {
		re, err := regexp.Compile(m)
		if err != nil {
			return nil, fmt.Errorf("Invalid regular expression: %s", m)
		}
		iv.matcher = re
	}
	switch x := args["ignore_files"].(type) {
	case nil:
	case string:
		iv.ignoreFiles = strings.Fields(x)
	case []any:
		for _, e := range x {
			iv.ignoreFiles = append(iv.ignoreFiles, pyStr(e))
		}
	default:
		return nil, fmt.Errorf("%s must be a list", pyStr(x))
	}
	for _, p := range iv.ignoreFiles {
		if _, err := regexp.Compile(p + "$"); err != nil {
			return nil, fmt.Errorf("Invalid regular expression: %s", p)
		}
	}
	iv.extensions = []string{"yaml", "yml", "json"}
	switch x := args["extensions"].(type) {
	case nil:
		if _, set := args["extensions"]; set {
			return nil, errors.New(`Invalid type for "extensions" option, it must be a list`)
		}
	case string:
		// Ansible turns a string into the list of its characters.
		iv.extensions = nil
		for _, r := range x {
			iv.extensions = append(iv.extensions, string(r))
		}
	case []any:
		iv.extensions = nil
		for _, e := range x {
			iv.extensions = append(iv.extensions, pyStr(e))
		}
	default:
		return nil, errors.New(`Invalid type for "extensions" option, it must be a list`)
	}
	if v, ok := args["ignore_unknown_extensions"]; ok && v != nil {
		b, err := ToBool(v)
		if err != nil {
			return nil, fmt.Errorf("ignore_unknown_extensions: %w", err)
		}
		iv.ignoreUnknownExt = b
	}
	return iv, nil
}

func (iv *includeVars) run() Result {
	results := map[string]any{}
	var failMsg string
	if iv.dir != "" {
		failMsg = iv.loadDir(results)
	} else {
		path, err := iv.ctl.FindFile("vars", iv.file)
		if err != nil {
			failMsg = err.Error()
		} else {
			vars, msg := iv.loadFile(path, false)
			if msg != "" {
				failMsg = msg
			} else {
				for k, v := range vars {
					results[k] = v
				}
			}
		}
	}
	if iv.name != "" {
		results = map[string]any{iv.name: results}
	}
	r := Result{"changed": false}
	if failMsg != "" {
		r["failed"] = true
		r["message"] = failMsg
	} else if iv.hashBehaviour == "merge" {
		for k, v := range results {
			old, _, err := iv.ctl.Var(k)
			if err != nil {
				return Result{"failed": true, "changed": false, "msg": err.Error()}
			}
			merged, err := ivMergeHash(old, v)
			if err != nil {
				return Result{"failed": true, "changed": false, "msg": err.Error()}
			}
			results[k] = merged
		}
	}
	if iv.included == nil {
		iv.included = []any{}
	}
	r["ansible_included_var_files"] = iv.included
	r["ansible_facts"] = results
	return r
}

// ivMergeHash is Ansible's merge_hash (recursive, lists replaced).
func ivMergeHash(x, y any) (any, error) {
	xm, xok := x.(map[string]any)
	ym, yok := y.(map[string]any)
	if !xok || !yok {
		return nil, fmt.Errorf("failed to combine variables, expected dicts but got a '%s' and a '%s': \n%s\n%s",
			pyTypeName(x), pyTypeName(y), pyStr(x), pyStr(y))
	}
	out := make(map[string]any, len(xm)+len(ym))
	for k, v := range xm {
		out[k] = v
	}
	for k, yv := range ym {
		if xv, ok := out[k]; ok {
			_, xIsMap := xv.(map[string]any)
			_, yIsMap := yv.(map[string]any)
			if xIsMap && yIsMap {
				m, err := ivMergeHash(xv, yv)
				if err != nil {
					return nil, err
				}
				out[k] = m
				continue
			}
		}
		out[k] = yv
	}
	return out, nil
}

func pyTypeName(v any) string {
	t := pyType(v)
	return strings.TrimSuffix(strings.TrimPrefix(t, "<class '"), "'>")
}

func (iv *includeVars) validExt(name string) bool {
	ext := filepath.Ext(name)
	if ext == "" {
		return false
	}
	return ivContains(iv.extensions, ext[1:])
}

// loadFile reads one vars file; a message is returned on failure.
func (iv *includeVars) loadFile(path string, checkExt bool) (map[string]any, string) {
	if checkExt && !iv.validExt(path) {
		return nil, fmt.Sprintf("%s does not have a valid extension: %s", path, strings.Join(iv.extensions, ", "))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Sprintf("Could not find or access '%s': %v", path, err)
	}
	v, err := yaml11.Unmarshal(data, path)
	if err != nil {
		return nil, err.Error()
	}
	if v == nil {
		v = map[string]any{}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Sprintf("%s must be stored as a dictionary/hash", path)
	}
	iv.included = append(iv.included, path)
	return m, ""
}

// loadDir reads the vars files of a directory tree as the action does:
// directories in sorted order (depth counts them in that order, as
// Ansible does), files sorted within each.
func (iv *includeVars) loadDir(results map[string]any) string {
	root, err := iv.ctl.FindFile("vars", iv.dir)
	if err != nil {
		return fmt.Sprintf("%s directory does not exist", iv.dir)
	}
	info, err := os.Stat(root)
	if err != nil {
		return fmt.Sprintf("%s directory does not exist", root)
	}
	if !info.IsDir() {
		return fmt.Sprintf("%s is not a directory", root)
	}
	type dirFiles struct {
		dir   string
		files []string
	}
	var walk []dirFiles
	var visit func(dir string)
	visit = func(dir string) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return
		}
		df := dirFiles{dir: dir}
		var subdirs []string
		for _, e := range entries {
			full := filepath.Join(dir, e.Name())
			isDir := e.IsDir()
			if e.Type()&fs.ModeSymlink != 0 {
				if st, err := os.Stat(full); err == nil && st.IsDir() {
					// os.walk lists a linked directory but does not enter it.
					continue
				}
			}
			if isDir {
				subdirs = append(subdirs, full)
			} else {
				df.files = append(df.files, e.Name())
			}
		}
		walk = append(walk, df)
		for _, s := range subdirs {
			visit(s)
		}
	}
	visit(root)
	sort.SliceStable(walk, func(i, j int) bool { return walk[i].dir < walk[j].dir })
	for i, df := range walk {
		if iv.depth != 0 && i+1 > iv.depth {
			break
		}
		sort.Strings(df.files)
		// A directory's files count only if all of them load, as in Ansible.
		dirResults := map[string]any{}
		for _, name := range df.files {
			if iv.matcher != nil && !iv.matcher.MatchString(name) {
				continue
			}
			full := filepath.Join(df.dir, name)
			if iv.ignored(name) {
				continue
			}
			if iv.ignoreUnknownExt && !iv.validExt(name) {
				continue
			}
			vars, msg := iv.loadFile(full, true)
			if msg != "" {
				return msg
			}
			for k, v := range vars {
				dirResults[k] = v
			}
		}
		for k, v := range dirResults {
			results[k] = v
		}
	}
	return ""
}

func (iv *includeVars) ignored(name string) bool {
	for _, p := range iv.ignoreFiles {
		if re, err := regexp.Compile(p + "$"); err == nil && re.MatchString(name) {
			return true
		}
	}
	return false
}
