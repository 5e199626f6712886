package modules

// The unarchive module, as ansible.builtin.unarchive: the archive (uploaded
// from the controller unless remote_src) is extracted on the host with tar
// or unzip into a temporary directory inside dest, compared with dest
// entry by entry (type, content, link target, permission bits, and owner
// and group when asked), and copied over dest only when something differs.
// Modification times are not compared.

import (
	"context"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/ome/omeprov/connection"
)

func unarchiveSpec() Spec {
	return Spec{
		Params: fsCommonParams(map[string]Param{
			"src":            {Type: "path", Required: true},
			"dest":           {Type: "path", Required: true},
			"remote_src":     {Type: "bool", Default: false},
			"creates":        {Type: "path"},
			"list_files":     {Type: "bool", Default: false},
			"keep_newer":     {Type: "bool", Default: false},
			"exclude":        {Type: "list", Elements: "str", Default: []any{}},
			"include":        {Type: "list", Elements: "str", Default: []any{}},
			"extra_opts":     {Type: "list", Elements: "str", Default: []any{}},
			"validate_certs": {Type: "bool", Default: true},
			"io_buffer_size": {Type: "int", Default: 65536},
			"decrypt":        {Type: "bool", Default: true},
			"copy":           {Type: "bool"},
		}),
		CheckMode: true,
	}
}

func init() { Register("unarchive", unarchiveSpec(), ModuleFunc(runUnarchive)) }

// unarchiveHandler names Ansible's handler class for an archive from its
// first bytes (hex) and says which tar option decompresses it.
func unarchiveHandler(magic string) (handler, tarFlag string) {
	switch {
	case strings.HasPrefix(magic, "504b0304"), strings.HasPrefix(magic, "504b0506"):
		return "ZipArchive", ""
	case strings.HasPrefix(magic, "1f8b"):
		return "TgzArchive", "-z"
	case strings.HasPrefix(magic, "425a68"):
		return "TarBzipArchive", "-j"
	case strings.HasPrefix(magic, "fd377a585a00"):
		return "TarXzArchive", "-J"
	case strings.HasPrefix(magic, "28b52ffd"):
		return "TarZstdArchive", "--zstd"
	}
	return "TarArchive", ""
}

// unarchiveExtractCmd is the command that extracts src into dir.
func unarchiveExtractCmd(handler, tarFlag, src, dir string, include, exclude, extra []string) string {
	q := connection.Quote
	if handler == "ZipArchive" {
		c := "unzip -o " + quoteWords(extra) + " " + q(src)
		for _, i := range include {
			c += " " + q(i)
		}
		if len(exclude) > 0 {
			c += " -x " + quoteWords(exclude)
		}
		return strings.TrimSpace(strings.ReplaceAll(c+" -d "+q(dir), "  ", " "))
	}
	c := "tar --extract -C " + q(dir)
	if tarFlag != "" {
		c += " " + tarFlag
	}
	for _, e := range exclude {
		c += " --exclude=" + q(e)
	}
	if len(extra) > 0 {
		c += " " + quoteWords(extra)
	}
	c += " -f " + q(src)
	for _, i := range include {
		c += " " + q(i)
	}
	return c
}

// unarchiveCompareScript compares the tree in $1 (extracted) with $2
// (dest): it prints "D path" for every entry that differs or is missing,
// and "F path" for every entry. With $3 and $4 (uid, gid, "-" for any)
// ownership counts too; with $5 not empty the permission bits do not
// (the mode argument sets them).
const unarchiveCompareScript = `src="$1"; dst="$2"; uid="$3"; gid="$4"; nomode="$5"
cd "$src" || exit 1
perm() { if stat --version >/dev/null 2>&1; then stat -c '%a %u %g' -- "$1"; else stat -f '%Lp %u %g' "$1"; fi; }
find . -mindepth 1 | sort | while IFS= read -r p; do
  p=${p#./}
  if [ -d "$p" ] && [ ! -L "$p" ]; then printf 'F %s/\n' "$p"; else printf 'F %s\n' "$p"; fi
  s="$src/$p"; d="$dst/$p"
  if [ -L "$s" ]; then
    [ -L "$d" ] && [ "$(readlink "$s")" = "$(readlink "$d")" ] || { printf 'D %s\n' "$p"; continue; }
    continue
  elif [ -d "$s" ]; then
    [ -d "$d" ] && [ ! -L "$d" ] || { printf 'D %s\n' "$p"; continue; }
  else
    [ -f "$d" ] && [ ! -L "$d" ] && cmp -s "$s" "$d" || { printf 'D %s\n' "$p"; continue; }
  fi
  set -- $(perm "$s"); sm=$1
  set -- $(perm "$d"); dm=$1; du=$2; dg=$3
  [ -n "$nomode" ] || [ "$sm" = "$dm" ] || { printf 'D %s\n' "$p"; continue; }
  [ "$uid" = - ] || [ "$uid" = "$du" ] || { printf 'D %s\n' "$p"; continue; }
  [ "$gid" = - ] || [ "$gid" = "$dg" ] || { printf 'D %s\n' "$p"; continue; }
done`

func runUnarchive(ctx context.Context, t *Task) (Result, error) {
	fa := fileArgs(t.Args)
	src, _ := fa.str("src")
	dest, _ := fa.str("dest")
	dest = fsCleanPath(dest)
	remote := fa.boolean("remote_src", false)
	if c, ok := t.Args["copy"].(bool); ok && t.Args["remote_src"] == false {
		remote = !c
	}
	if creates, ok := fa.str("creates"); ok && creates != "" {
		res, err := t.Exec(ctx, "test -e "+fsShellPath(creates))
		if err != nil {
			return nil, fmt.Errorf("unarchive: %w", err)
		}
		if res.ExitCode == 0 {
			return Result{"skipped": true, "changed": false, "msg": fmt.Sprintf("skipped, since %s exists", creates)}, nil
		}
	}
	df, err := fsStat(ctx, t, dest)
	if err != nil {
		return nil, fmt.Errorf("unarchive: %w", err)
	}
	if !df.Exists || !df.IsDir() {
		return sysFail("dest '%s' must be an existing dir", dest)
	}
	res, err := t.Exec(ctx, "mktemp -d "+connection.Quote(dest+"/.omeprov-unarchive.XXXXXXXX"))
	if err != nil {
		return nil, fmt.Errorf("unarchive: %w", err)
	}
	if res.ExitCode != 0 {
		return sysFail("Unable to create a temporary directory in %s: %s", dest, strings.TrimSpace(string(res.Stderr)))
	}
	work := strings.TrimSpace(string(res.Stdout))
	defer t.Exec(context.WithoutCancel(ctx), "rm -rf -- "+connection.Quote(work))
	archive := src
	switch {
	case strings.Contains(src, "://"):
		tool, err := httpTool(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("unarchive: %w", err)
		}
		if tool == "none" {
			return sysFail("unarchive needs curl or GNU wget on the host to download %s", src)
		}
		req, err := httpRequestFrom(t.Args, src)
		if err != nil {
			return sysFail("%s", err.Error())
		}
		req.Follow, req.Out, req.Timeout = true, work+"/archive", 10
		resp, err := doHTTP(ctx, t, tool, req)
		if err != nil {
			return nil, fmt.Errorf("unarchive: %w", err)
		}
		if resp.Status != 200 {
			return sysFail("Failure downloading %s, %s", src, httpInfoMsg(resp, -1))
		}
		archive = work + "/archive"
	case !remote:
		local, err := t.Ctl.FindFile("files", src)
		if err != nil {
			return sysFail("Could not find or access '%s' on the Ansible Controller.", src)
		}
		f, err := os.Open(local)
		if err != nil {
			return sysFail("Could not find or access '%s' on the Ansible Controller.", src)
		}
		defer f.Close()
		archive = work + "/archive"
		t.forgetStats()
		if err := t.Conn.PutFile(ctx, archive, f, &connection.FileOptions{Become: t.Become, Mode: 0o600}); err != nil {
			return nil, fmt.Errorf("unarchive: upload %s: %w", src, err)
		}
	default:
		res, err := t.Exec(ctx, "test -r "+fsShellPath(src))
		if err != nil {
			return nil, fmt.Errorf("unarchive: %w", err)
		}
		if res.ExitCode != 0 {
			return sysFail("Source '%s' does not exist", src)
		}
	}
	res, err = t.Exec(ctx, "head -c 8 -- "+fsShellPath(archive)+" | od -An -tx1 | tr -d ' \\n'")
	if err != nil {
		return nil, fmt.Errorf("unarchive: %w", err)
	}
	handler, tarFlag := unarchiveHandler(strings.TrimSpace(string(res.Stdout)))
	if t.Check && handler != "ZipArchive" {
		// As Ansible: its tar handlers refuse check mode (they would
		// need GNU tar --diff), so the task is skipped with tar archives.
		return Result{"changed": false, "skipped": true, "msg": "remote module (ansible.legacy.unarchive) does not support check mode when using gtar"}, nil
	}
	tree := work + "/tree"
	extract := unarchiveExtractCmd(handler, tarFlag, archive, tree, fa.list("include"), fa.list("exclude"), fa.list("extra_opts"))
	res, err = t.Exec(ctx, "mkdir "+connection.Quote(tree)+" && "+extract)
	if err != nil {
		return nil, fmt.Errorf("unarchive: %w", err)
	}
	if res.ExitCode != 0 {
		return sysFail("Failed to find handler for \"%s\". Make sure the required command to extract the file is installed.\n%s: %s",
			archive, handler, strings.TrimSpace(string(res.Stderr)+string(res.Stdout)))
	}
	extractResults := map[string]any{"cmd": extract, "rc": res.ExitCode, "out": string(res.Stdout), "err": string(res.Stderr)}
	attrs := fsAttrsFrom(t.Args)
	uid, gid, err := fsResolveIDs(ctx, t, attrs.Owner, attrs.Group)
	if err != nil {
		return sysFail("%s", err.Error())
	}
	idArg := func(n int) string {
		if n < 0 {
			return "-"
		}
		return fmt.Sprint(n)
	}
	nomode := "''"
	if attrs.Mode != nil {
		nomode = "1"
	}
	res, err = t.Exec(ctx, "sh -c "+connection.Quote(unarchiveCompareScript)+" sh "+connection.Quote(tree)+" "+fsShellPath(dest)+" "+idArg(uid)+" "+idArg(gid)+" "+nomode)
	if err != nil {
		return nil, fmt.Errorf("unarchive: %w", err)
	}
	if res.ExitCode != 0 {
		return sysFail("Unable to compare %s with %s: %s", src, dest, strings.TrimSpace(string(res.Stderr)))
	}
	var files, differ []string
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		if strings.HasPrefix(l, "F ") {
			files = append(files, l[2:])
		} else if strings.HasPrefix(l, "D ") {
			differ = append(differ, l[2:])
		}
	}
	changed := len(differ) > 0
	if changed && !t.Check {
		cmd := "cd " + connection.Quote(tree) + " && cp -Rp . " + fsShellPath(dest) + "/"
		if attrs.Owner != "" || attrs.Group != "" {
			own := ""
			if uid >= 0 {
				own = fmt.Sprint(uid)
			}
			if gid >= 0 {
				own += fmt.Sprintf(":%d", gid)
			}
			cmd += " && cd " + fsShellPath(dest) + " && chown -h -R -- " + own
			for _, f := range topLevel(files) {
				cmd += " " + connection.Quote(f)
			}
		}
		res, err := t.Exec(ctx, cmd)
		if err != nil {
			return nil, fmt.Errorf("unarchive: %w", err)
		}
		if res.ExitCode != 0 {
			return sysFail("failed to unpack %s to %s: %s", src, dest, strings.TrimSpace(string(res.Stderr)))
		}
	}
	if attrs.Mode != nil {
		for _, f := range files {
			fi, err := fsStat(ctx, t, path.Join(dest, f))
			if err != nil || !fi.Exists {
				if t.Check {
					changed = true
					continue
				}
				return sysFail("%s", fmt.Sprint(err))
			}
			c, err := fsSetAttrs(ctx, t, fi, fsAttrs{Mode: attrs.Mode}, false, nil)
			if err != nil {
				return sysFail("%s", err.Error())
			}
			changed = changed || c
		}
	}
	r := Result{"changed": changed, "dest": dest, "src": src, "handler": handler, "extract_results": extractResults}
	if fa.boolean("list_files", false) {
		r["files"] = files
	}
	fsAddPathInfo(ctx, t, r, dest)
	return r, nil
}

// topLevel lists the first path elements of files, once each.
func topLevel(files []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range files {
		top, _, _ := strings.Cut(f, "/")
		if !seen[top] {
			seen[top] = true
			out = append(out, top)
		}
	}
	return out
}
