package modules

// This file holds what the file modules share: reading their arguments,
// looking at a path on the host (stat through the shell, GNU or BSD),
// Ansible's octal and symbolic modes, setting owner, group and mode as
// AnsibleModule.set_fs_attributes_if_different does, backups, checksums and
// the content diffs printed with --diff.

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/ome/omeprov/connection"
)

// fsCommonParams are the parameters every file-writing module takes
// (Ansible's add_file_common_args), with Ansible's defaults.
func fsCommonParams(p map[string]Param) map[string]Param {
	common := map[string]Param{
		"mode":          {Type: "raw"},
		"owner":         {Type: "str"},
		"group":         {Type: "str"},
		"seuser":        {Type: "str"},
		"serole":        {Type: "str"},
		"setype":        {Type: "str"},
		"selevel":       {Type: "str"},
		"unsafe_writes": {Type: "bool", Default: false},
		"attributes":    {Type: "str", Aliases: []string{"attr"}},
	}
	for k, v := range p {
		common[k] = v
	}
	return common
}

// fileArgs reads the file modules' arguments. Engine-validated arguments
// arrive typed; the readers also accept the raw forms (strings for
// booleans and numbers) so that a module never panics on odd input.
type fileArgs map[string]any

// str returns a string argument; ok is false when it is absent or null.
func (args fileArgs) str(name string) (string, bool) {
	v, present := args[name]
	if !present || v == nil {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	default:
		return fmt.Sprint(x), true
	}
}

// boolean returns a boolean argument, def when it is absent. Strings are
// read as Ansible's boolean() does.
func (args fileArgs) boolean(name string, def bool) bool {
	v, present := args[name]
	if !present || v == nil {
		return def
	}
	switch x := v.(type) {
	case bool:
		return x
	case int:
		return x == 1
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "yes", "on", "1", "true", "y", "t":
			return true
		case "no", "off", "0", "false", "n", "f", "":
			return false
		}
	}
	return def
}

// integer returns an integer argument, def when it is absent or not a number.
func (args fileArgs) integer(name string, def int) int {
	v, present := args[name]
	if !present || v == nil {
		return def
	}
	switch x := v.(type) {
	case int:
		return x
	case int64:
		return int(x)
	case float64:
		return int(x)
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
			return n
		}
	}
	return def
}

// list returns a list-of-strings argument; a string is split on commas
// as Ansible's list type does.
func (args fileArgs) list(name string) []string {
	v, present := args[name]
	if !present || v == nil {
		return nil
	}
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if e == nil {
				continue
			}
			if s, ok := e.(string); ok {
				out = append(out, s)
			} else {
				out = append(out, fmt.Sprint(e))
			}
		}
		return out
	case string:
		if x == "" {
			return nil
		}
		parts := strings.Split(x, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts
	default:
		return []string{fmt.Sprint(x)}
	}
}

// expandUser replaces a leading ~ as Ansible's path type does; the host's
// home is resolved by the shell, so only "~" and "~/" forms are kept for
// the shell (see fsShellPath).
func fsCleanPath(p string) string {
	if p == "" {
		return p
	}
	if strings.HasPrefix(p, "~") {
		return p
	}
	c := path.Clean(p)
	return c
}

// fsShellPath quotes a path for the shell, leaving a leading ~ or ~/ to the
// shell's tilde expansion.
func fsShellPath(p string) string {
	if p == "~" {
		return `"$HOME"`
	}
	if strings.HasPrefix(p, "~/") {
		return `"$HOME"/` + connection.Quote(p[2:])
	}
	return connection.Quote(p)
}

// fsInfo is what is known of one path on the host (lstat, and the
// target's type when the path is a link).
type fsInfo struct {
	Path   string
	Exists bool   // the path itself exists (a dangling link exists)
	Type   string // "file", "directory", "link", "fifo", "socket", "char", "block"
	Mode   uint32 // permission bits, 07777
	Uid    int
	Gid    int
	Owner  string
	Group  string
	Size   int64
	Nlink  int
	Inode  uint64
	Dev    uint64
	Atime  int64
	Mtime  int64
	Ctime  int64
	// Target is the link's target as readlink gives it.
	Target string
	// TargetType is the type of what a link points to ("" when dangling).
	TargetType string
	// Umask is the host shell's umask.
	Umask uint32
}

// IsDir reports whether the path is a directory (following a link).
func (f *fsInfo) IsDir() bool {
	return f.Type == "directory" || f.Type == "link" && f.TargetType == "directory"
}

// state is the path's state as the file module names it.
func (f *fsInfo) state() string {
	switch {
	case !f.Exists:
		return "absent"
	case f.Type == "link":
		return "link"
	case f.Type == "directory":
		return "directory"
	case f.Nlink > 1:
		return "hard"
	default:
		return "file"
	}
}

// fsModeString is Ansible's '0%03o'.
func fsModeString(m uint32) string { return fmt.Sprintf("0%03o", m) }

// fsStatScript is a POSIX shell script that prints the umask ("U 0022"),
// then a line describing the path in $p (or "absent"), and for a link the
// target's type and the link's target. It works with GNU stat (-c) and
// BSD stat (-f). Every process started costs a few milliseconds, so for
// anything but a link it starts one: stat.
const fsStatScript = `if [ ! -e "$p" ] && [ ! -L "$p" ]; then printf 'absent '; umask; exit 0; fi
printf 'U '; umask
g="G %f %u %g %s %h %i %d %X %Y %Z %U %G"; b="B %p %u %g %z %l %i %d %a %m %c %Su %Sg"
if [ ! -L "$p" ]; then
  # The path exists, so GNU stat -c can only fail where it is BSD stat.
  stat -c "$g" -- "$p" 2>/dev/null || stat -f "$b" "$p" || exit 1
  exit 0
fi
if stat -c "$g" -- "$p" 2>/dev/null; then
  t=$(stat -L -c %f -- "$p" 2>/dev/null) || t=-
else
  stat -f "$b" "$p" || exit 1
  t=$(stat -L -f %p "$p" 2>/dev/null) || t=-
fi
echo "T $t"
printf 'L '; readlink "$p"
`

// fsStatCommand returns the shell command that runs fsStatScript for p.
func fsStatCommand(p string) string {
	return "p=" + fsShellPath(p) + "\n" + fsStatScript
}

// fsTypeOf names the type in raw st_mode bits.
func fsTypeOf(raw uint32) string {
	switch raw & 0o170000 {
	case 0o040000:
		return "directory"
	case 0o120000:
		return "link"
	case 0o010000:
		return "fifo"
	case 0o140000:
		return "socket"
	case 0o020000:
		return "char"
	case 0o060000:
		return "block"
	default:
		return "file"
	}
}

// fsParseStat reads the output of fsStatScript.
func fsParseStat(p, out string) (*fsInfo, error) {
	f := &fsInfo{Path: p}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 0 || lines[0] == "" {
		return nil, fmt.Errorf("stat %s: no output", p)
	}
	// The umask comes on a line of its own ("U 0022") before the stat
	// line, or (in the older form) as the stat line's 12th field.
	umask := ""
	if strings.HasPrefix(lines[0], "U ") {
		umask = strings.TrimSpace(lines[0][2:])
		lines = lines[1:]
		if len(lines) == 0 {
			return nil, fmt.Errorf("stat %s: no output", p)
		}
	}
	first := strings.Fields(lines[0])
	if umask != "" && len(first) >= 11 && (first[0] == "G" || first[0] == "B") {
		first = append(first[:11], append([]string{umask}, first[11:]...)...)
	}
	if len(first) >= 1 && first[0] == "absent" {
		if len(first) > 1 {
			u, _ := strconv.ParseUint(first[1], 8, 32)
			f.Umask = uint32(u)
		}
		return f, nil
	}
	if len(first) < 12 || (first[0] != "G" && first[0] != "B") {
		return nil, fmt.Errorf("stat %s: unexpected output %q", p, lines[0])
	}
	base := 16
	if first[0] == "B" {
		base = 8
	}
	raw, err := strconv.ParseUint(first[1], base, 32)
	if err != nil {
		return nil, fmt.Errorf("stat %s: mode %q: %w", p, first[1], err)
	}
	f.Exists = true
	f.Type = fsTypeOf(uint32(raw))
	f.Mode = uint32(raw) & 0o7777
	num := func(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
	f.Uid = int(num(first[2]))
	f.Gid = int(num(first[3]))
	f.Size = num(first[4])
	f.Nlink = int(num(first[5]))
	f.Inode = uint64(num(first[6]))
	f.Dev = uint64(num(first[7]))
	f.Atime, f.Mtime, f.Ctime = num(first[8]), num(first[9]), num(first[10])
	u, _ := strconv.ParseUint(first[11], 8, 32)
	f.Umask = uint32(u)
	f.Owner, f.Group = strconv.Itoa(f.Uid), strconv.Itoa(f.Gid)
	if len(first) > 12 && first[12] != "UNKNOWN" {
		f.Owner = first[12]
	}
	if len(first) > 13 && first[13] != "UNKNOWN" {
		f.Group = first[13]
	}
	for _, l := range lines[1:] {
		switch {
		case strings.HasPrefix(l, "T "):
			if t := strings.TrimSpace(l[2:]); t != "-" {
				if traw, err := strconv.ParseUint(t, base, 32); err == nil {
					f.TargetType = fsTypeOf(uint32(traw))
				}
			}
		case strings.HasPrefix(l, "L "):
			f.Target = l[2:]
		}
	}
	if f.Type != "link" {
		f.TargetType = f.Type
	}
	return f, nil
}

// fsStat looks at p on the host.
// Until the module runs another command or writes a file, a second look
// at the same path is answered from what the first one saw.
func fsStat(ctx context.Context, t *Task, p string) (*fsInfo, error) {
	if out, ok := t.stats[p]; ok {
		return fsParseStat(p, out)
	}
	res, err := t.look(ctx, fsStatCommand(p))
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", p, err)
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("stat %s: %s", p, strings.TrimSpace(string(res.Stderr)))
	}
	if t.stats == nil {
		t.stats = map[string]string{}
	}
	t.stats[p] = string(res.Stdout)
	return fsParseStat(p, string(res.Stdout))
}

// fsPathInfo adds the keys AnsibleModule.add_path_info adds for an existing
// path: uid, gid, owner, group, mode, state, size.
func fsPathInfo(r Result, f *fsInfo) {
	if f == nil || !f.Exists || (f.Type == "link" && f.TargetType == "") {
		return
	}
	r["uid"], r["gid"] = f.Uid, f.Gid
	r["owner"], r["group"] = f.Owner, f.Group
	r["mode"] = fsModeString(f.Mode)
	st := f.state()
	r["state"] = st
	r["size"] = f.Size
}

// fsAddPathInfo stats p again and adds its path info to r; errors are
// ignored as Ansible ignores a vanished path.
func fsAddPathInfo(ctx context.Context, t *Task, r Result, p string) {
	if f, err := fsStat(ctx, t, p); err == nil {
		fsPathInfo(r, f)
	}
}

// fsParseMode turns Ansible's mode argument into permission bits for a path
// whose current mode is cur (isDir tells X what to do; umask applies when a
// symbolic mode names no users). An int is taken as is (YAML 0644 reads as
// 420); a string of octal digits is octal; anything else is symbolic
// ("u+rwx,g-w,o="). ok is false when mode is absent.
func fsParseMode(mode any, cur uint32, isDir bool, umask uint32) (m uint32, ok bool, err error) {
	switch x := mode.(type) {
	case nil:
		return 0, false, nil
	case int:
		if x < 0 || x > 0o7777 {
			return 0, false, fmt.Errorf("Invalid mode supplied, only permission info is allowed")
		}
		return uint32(x), true, nil
	case int64:
		return fsParseMode(int(x), cur, isDir, umask)
	case float64:
		return fsParseMode(int(x), cur, isDir, umask)
	case string:
		if x == "" {
			return 0, false, fmt.Errorf("mode must be in octal or symbolic form")
		}
		if n, perr := strconv.ParseUint(x, 8, 64); perr == nil {
			if n > 0o7777 {
				return 0, false, fmt.Errorf("Invalid mode supplied, only permission info is allowed")
			}
			return uint32(n), true, nil
		}
		m, err := fsSymbolicMode(x, cur, isDir, umask)
		if err != nil {
			return 0, false, &fsModeError{msg: "mode must be in octal or symbolic form", details: err.Error()}
		}
		return m, true, nil
	default:
		return 0, false, fmt.Errorf("mode must be in octal or symbolic form")
	}
}

// fsModeError is a mode Ansible refuses: msg is its message, details
// the reason (Ansible's "details" result key).
type fsModeError struct{ msg, details string }

func (e *fsModeError) Error() string { return e.msg }

// fsSymbolicMode applies a chmod-style symbolic mode to cur, exactly as
// AnsibleModule._symbolic_mode_to_octal does (including its X and its
// u/g/o copy rules).
func fsSymbolicMode(spec string, cur uint32, isDir bool, umask uint32) (uint32, error) {
	mode := cur & 0o7777
	for _, clause := range strings.Split(spec, ",") {
		i := strings.IndexAny(clause, "+-=")
		if i < 0 {
			return 0, fmt.Errorf("bad symbolic permission for mode: %s", clause)
		}
		users := clause[:i]
		useUmask := users == ""
		if users == "" || users == "a" {
			users = "ugo"
		}
		if strings.Trim(users, "ugo") != "" {
			return 0, fmt.Errorf("bad symbolic permission for mode: %s", clause)
		}
		rest := clause[i:]
		for rest != "" {
			op := rest[0]
			rest = rest[1:]
			j := strings.IndexAny(rest, "+-=")
			if j < 0 {
				j = len(rest)
			}
			perms := rest[:j]
			rest = rest[j:]
			if strings.Trim(perms, "rwxXstugo") != "" {
				return 0, fmt.Errorf("bad symbolic permission for mode: %s", clause)
			}
			for _, u := range users {
				apply := fsSymbolicPerms(byte(u), perms, mode, isDir, useUmask, umask)
				switch op {
				case '=':
					var mask uint32
					switch u {
					case 'u':
						mask = 0o4700
					case 'g':
						mask = 0o2070
					case 'o':
						mask = 0o1007
					}
					mode = (mode &^ mask) | apply
				case '+':
					mode |= apply
				case '-':
					mode &^= apply
				}
			}
		}
	}
	return mode, nil
}

func fsSymbolicPerms(user byte, perms string, prev uint32, isDir, useUmask bool, umask uint32) uint32 {
	rev := umask ^ 0o7777
	pick := func(bit uint32) uint32 {
		if useUmask {
			return rev & bit
		}
		return bit
	}
	shift := map[byte]uint{'u': 6, 'g': 3, 'o': 0}[user]
	applyX := isDir || prev&0o111 != 0
	var out uint32
	for i := 0; i < len(perms); i++ {
		switch perms[i] {
		case 'r':
			out |= pick(4 << shift)
		case 'w':
			out |= pick(2 << shift)
		case 'x':
			out |= pick(1 << shift)
		case 'X':
			if applyX {
				out |= 1 << shift
			}
		case 's':
			switch user {
			case 'u':
				out |= 0o4000
			case 'g':
				out |= 0o2000
			}
		case 't':
			if user == 'o' {
				out |= 0o1000
			}
		case 'u', 'g', 'o':
			from := map[byte]uint{'u': 6, 'g': 3, 'o': 0}[perms[i]]
			bits := (prev >> from) & 7
			out |= bits << shift
		}
	}
	return out
}

// fsAttrs are the owner, group and mode a task asks for.
type fsAttrs struct {
	Owner, Group string
	Mode         any
}

func fsAttrsFrom(args map[string]any) fsAttrs {
	a := fsAttrs{Mode: args["mode"]}
	a.Owner, _ = fileArgs(args).str("owner")
	a.Group, _ = fileArgs(args).str("group")
	return a
}

// fsAttrDiff is the before/after of set_fs_attributes_if_different.
type fsAttrDiff struct {
	Before, After map[string]any
}

// fsSetAttrs brings f's owner, group and mode to a (not following a link
// when follow is false), in check mode only reporting. It returns whether
// anything changed; d (when not nil) records the before/after values.
func fsSetAttrs(ctx context.Context, t *Task, f *fsInfo, a fsAttrs, follow bool, d *fsAttrDiff) (bool, error) {
	if f == nil || !f.Exists {
		return false, nil
	}
	var cmds []string
	changed := false
	hflag := ""
	if f.Type == "link" && !follow {
		hflag = "-h "
	}
	p := fsShellPath(f.Path)
	uid, gid, err := fsResolveIDs(ctx, t, a.Owner, a.Group)
	if err != nil {
		return false, err
	}
	if a.Owner != "" && uid != f.Uid {
		changed = true
		if d != nil {
			d.Before["owner"], d.After["owner"] = f.Uid, uid
		}
		cmds = append(cmds, "chown "+hflag+"-- "+strconv.Itoa(uid)+" "+p)
	}
	if a.Group != "" && gid != f.Gid {
		changed = true
		if d != nil {
			d.Before["group"], d.After["group"] = f.Gid, gid
		}
		cmds = append(cmds, "chgrp "+hflag+"-- "+strconv.Itoa(gid)+" "+p)
	}
	if a.Mode != nil && !(f.Type == "link" && !follow) {
		m, ok, err := fsParseMode(a.Mode, f.Mode, f.IsDir(), f.Umask)
		if err != nil {
			return false, err
		}
		if ok && m != f.Mode {
			changed = true
			if d != nil {
				d.Before["mode"], d.After["mode"] = fsModeString(f.Mode), fsModeString(m)
			}
			cmds = append(cmds, fmt.Sprintf("chmod %04o %s", m, p))
		}
	}
	if !changed || t.Check {
		return changed, nil
	}
	res, err := t.Exec(ctx, strings.Join(cmds, " && "))
	if err != nil {
		return false, fmt.Errorf("set attributes of %s: %w", f.Path, err)
	}
	if res.ExitCode != 0 {
		return false, fmt.Errorf("set attributes of %s: %s", f.Path, strings.TrimSpace(string(res.Stderr)))
	}
	return true, nil
}

// idScript prints the uid of user $1 and the gid of group $2 ("-" for an
// empty name, "?" for an unknown one), with getent on Linux and dscl on
// macOS for groups.
const idScript = `if [ -n "$1" ]; then id -u -- "$1" 2>/dev/null || echo '?'; else echo -; fi
if [ -n "$2" ]; then
  { getent group "$2" 2>/dev/null | cut -d: -f3 | grep . ; } ||
  { dscl . -read /Groups/"$2" PrimaryGroupID 2>/dev/null | awk '{print $2}' | grep . ; } || echo '?'
else echo -; fi`

// fsResolveIDs turns owner and group (names or numbers, "" for none)
// into ids as Ansible does: a number is taken as is, a name is looked up
// on the host.
func fsResolveIDs(ctx context.Context, t *Task, owner, group string) (uid, gid int, err error) {
	uid, gid = -1, -1
	var lookUser, lookGroup string
	if owner != "" {
		if n, err := strconv.Atoi(owner); err == nil {
			uid = n
		} else {
			lookUser = owner
		}
	}
	if group != "" {
		if n, err := strconv.Atoi(group); err == nil {
			gid = n
		} else {
			lookGroup = group
		}
	}
	if lookUser == "" && lookGroup == "" {
		return uid, gid, nil
	}
	res, err := t.Exec(ctx, "sh -c "+connection.Quote(idScript)+" sh "+connection.Quote(lookUser)+" "+connection.Quote(lookGroup))
	if err != nil {
		return 0, 0, fmt.Errorf("look up owner and group: %w", err)
	}
	lines := strings.Fields(string(res.Stdout))
	if len(lines) != 2 {
		return 0, 0, fmt.Errorf("look up owner and group: unexpected output %q", res.Stdout)
	}
	if lookUser != "" {
		n, err := strconv.Atoi(lines[0])
		if err != nil {
			return 0, 0, fmt.Errorf("chown failed: failed to look up user %s", owner)
		}
		uid = n
	}
	if lookGroup != "" {
		n, err := strconv.Atoi(lines[1])
		if err != nil {
			return 0, 0, fmt.Errorf("chgrp failed: failed to look up group %s", group)
		}
		gid = n
	}
	return uid, gid, nil
}

// fsBackup copies p beside itself as Ansible's backup_local does
// (p.PID.YYYY-MM-DD@HH:MM:SS~, keeping mode, owner and times) and returns
// the backup's name.
func fsBackup(ctx context.Context, t *Task, p string) (string, error) {
	cmd := `b=` + fsShellPath(p) + `.$$.$(date +%Y-%m-%d@%H:%M:%S~) && cp -p -- ` + fsShellPath(p) + ` "$b" && printf '%s' "$b"`
	res, err := t.Exec(ctx, cmd)
	if err != nil {
		return "", fmt.Errorf("backup %s: %w", p, err)
	}
	if res.ExitCode != 0 {
		return "", fmt.Errorf("Could not make backup of %s: %s", p, strings.TrimSpace(string(res.Stderr)))
	}
	return string(res.Stdout), nil
}

// fsChecksum returns the sha1 of the file p on the host, "" when it is
// not a readable file.
func fsChecksum(ctx context.Context, t *Task, p string) (string, error) {
	cmd := `p=` + fsShellPath(p) + `; [ -f "$p" ] && [ -r "$p" ] || exit 0
if command -v sha1sum >/dev/null 2>&1; then sha1sum < "$p"; elif command -v shasum >/dev/null 2>&1; then shasum -a 1 < "$p"; else openssl sha1 -r < "$p"; fi`
	res, err := t.look(ctx, cmd)
	if err != nil {
		return "", fmt.Errorf("checksum %s: %w", p, err)
	}
	if res.ExitCode != 0 {
		return "", fmt.Errorf("checksum %s: %s", p, strings.TrimSpace(string(res.Stderr)))
	}
	f := strings.Fields(string(res.Stdout))
	if len(f) == 0 {
		return "", nil
	}
	return f[0], nil
}

func fsSHA1(b []byte) string { s := sha1.Sum(b); return hex.EncodeToString(s[:]) }
func fsMD5(b []byte) string  { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

// fsWrite writes content to p on the host atomically (PutFile), first
// checking it with validate (a command containing %s, run on a temporary
// copy in the same directory) when validate is not empty. mode is used
// only when the file is new (0: 0644 less the umask, as PutFile decides).
func fsWrite(ctx context.Context, t *Task, p string, content []byte, validate string, mode fs.FileMode) error {
	if validate != "" {
		if !strings.Contains(validate, "%s") {
			return fmt.Errorf("validate must contain %%s: %s", validate)
		}
		tmp := path.Join(path.Dir(p), fmt.Sprintf(".omeprov-validate-%s-%s", fsSHA1(content)[:8], path.Base(p)))
		t.forgetStats()
		if err := t.Conn.PutFile(ctx, tmp, strings.NewReader(string(content)), &connection.FileOptions{Become: t.Become, Mode: 0o600}); err != nil {
			return fmt.Errorf("write %s: %w", tmp, err)
		}
		res, err := t.Exec(ctx, strings.ReplaceAll(validate, "%s", fsShellPath(tmp))+"; rc=$?; rm -f -- "+fsShellPath(tmp)+"; exit $rc")
		if err != nil {
			return fmt.Errorf("validate %s: %w", p, err)
		}
		if res.ExitCode != 0 {
			return &fsValidateError{rc: res.ExitCode, stdout: string(res.Stdout), stderr: string(res.Stderr)}
		}
	}
	t.forgetStats()
	if err := t.Conn.PutFile(ctx, p, strings.NewReader(string(content)), &connection.FileOptions{Become: t.Become, Mode: mode}); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}

// fsValidateError is a validate command that refused the new content.
type fsValidateError struct {
	rc             int
	stdout, stderr string
}

func (e *fsValidateError) Error() string {
	return fmt.Sprintf("failed to validate: rc:%d error:%s", e.rc, e.stderr)
}

// fsRead reads p from the host; exists is false when it is absent.
func fsRead(ctx context.Context, t *Task, p string) ([]byte, error) {
	b, err := t.Conn.GetFile(ctx, p, t.Become)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return b, nil
}

// fsMkdirParents creates the parent directories of p (mkdir -p).
func fsMkdirParents(ctx context.Context, t *Task, p string) error {
	dir := path.Dir(p)
	if dir == "." || dir == "/" {
		return nil
	}
	res, err := t.Exec(ctx, "mkdir -p -- "+fsShellPath(dir))
	if err != nil {
		return fmt.Errorf("mkdir %s: %w", dir, err)
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("Error creating %s (%s)", dir, strings.TrimSpace(string(res.Stderr)))
	}
	return nil
}

// fsRealPath resolves links in p on the host (Ansible writes through links
// to the real file).
func fsRealPath(ctx context.Context, t *Task, f *fsInfo) string {
	if f == nil || f.Type != "link" {
		return f.Path
	}
	res, err := t.Exec(ctx, "cd -P -- "+fsShellPath(path.Dir(f.Path))+" && t="+fsShellPath(f.Path)+" && while [ -L \"$t\" ]; do l=$(readlink \"$t\"); cd -P -- \"$(dirname -- \"$l\")\" || exit 1; t=$(basename -- \"$l\"); done; printf '%s/%s' \"$(pwd -P)\" \"$t\"")
	if err != nil || res.ExitCode != 0 {
		return f.Path
	}
	return strings.Replace(string(res.Stdout), "//", "/", 1)
}

// fsDictDiff renders a dict diff as Ansible's callback does: JSON with
// sorted keys, indented by four spaces, ending in a newline.
func fsDictDiff(before, after map[string]any) Diff {
	return Diff{Before: fsJSONIndent(before), After: fsJSONIndent(after)}
}

func fsJSONIndent(m map[string]any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(m); err != nil {
		return fmt.Sprint(m) + "\n"
	}
	return b.String()
}

// fsFailResult turns an error into a failed Result, keeping validate's
// output as copy does.
func fsFailResult(err error, extra Result) Result {
	r := Result{"failed": true, "msg": err.Error()}
	if ve, ok := err.(*fsValidateError); ok {
		r["msg"] = "failed to validate"
		r["exit_status"] = ve.rc
		r["stdout"] = ve.stdout
		r["stderr"] = ve.stderr
	}
	for k, v := range extra {
		r[k] = v
	}
	return r
}

// fsTreeScript lists the paths under $1 (not $1 itself) with one stat line
// each, GNU or BSD, the name last; with $2 = -L links are followed.
const fsTreeScript = `r="$1"; L="$2"
if stat --version >/dev/null 2>&1; then
  find $L "$r" -mindepth 1 -exec stat $L -c 'G %f %u %g %s %h %i %d %X %Y %Z 0 %U %G %n' {} +
else
  find $L "$r" -mindepth 1 -exec stat $L -f 'B %p %u %g %z %l %i %d %a %m %c 0 %Su %Sg %N' {} +
fi`

// fsListTree stats every path under root on the host (following links when
// follow is set).
func fsListTree(ctx context.Context, t *Task, root string, follow bool) ([]*fsInfo, error) {
	flag := "''"
	if follow {
		flag = "-L"
	}
	res, err := t.Exec(ctx, "sh -c "+connection.Quote(fsTreeScript)+" sh "+fsShellPath(root)+" "+flag)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", root, err)
	}
	if res.ExitCode != 0 && len(res.Stdout) == 0 {
		return nil, fmt.Errorf("list %s: %s", root, strings.TrimSpace(string(res.Stderr)))
	}
	return fsParseTree(string(res.Stdout)), nil
}

// fsParseTree reads fsTreeScript's output; lines it cannot read (a name with a
// newline) are skipped.
func fsParseTree(out string) []*fsInfo {
	var files []*fsInfo
	for _, line := range strings.Split(out, "\n") {
		fields := strings.SplitN(line, " ", 15)
		if len(fields) < 15 {
			continue
		}
		f, err := fsParseStat(fields[14], strings.Join(fields[:14], " "))
		if err != nil {
			continue
		}
		f.TargetType = f.Type
		files = append(files, f)
	}
	return files
}

// fsUnsupported wraps a file module so that the common arguments omeprov
// does not apply yet (attributes, and the SELinux context parts) are
// reported in the result's warnings instead of being dropped silently.
func fsUnsupported(run func(context.Context, *Task) (Result, error)) ModuleFunc {
	return func(ctx context.Context, t *Task) (Result, error) {
		res, err := run(ctx, t)
		if err != nil || res == nil {
			return res, err
		}
		var warn []string
		for _, k := range []string{"attributes", "seuser", "serole", "setype", "selevel"} {
			if v, ok := fileArgs(t.Args).str(k); ok && v != "" {
				warn = append(warn, fmt.Sprintf("omeprov does not set %s yet: %s=%s was ignored", k, k, v))
			}
		}
		if len(warn) > 0 {
			if old, ok := res["warnings"].([]string); ok {
				warn = append(old, warn...)
			}
			res["warnings"] = warn
		}
		return res, nil
	}
}
