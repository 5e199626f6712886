package modules

// The user module, as ansible.builtin.user: useradd, usermod and userdel
// on Linux, dscl on macOS. The host's accounts are read with getent (or
// /etc/passwd and /etc/group when getent is missing) and dscl; the
// decisions are made here, in plain functions over what was read.

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ome/omeprov/connection"
)

func userSpec() Spec {
	return Spec{
		Params: map[string]Param{
			"state":               {Type: "str", Default: "present", Choices: []string{"absent", "present"}},
			"name":                {Type: "str", Required: true, Aliases: []string{"user"}},
			"uid":                 {Type: "int"},
			"non_unique":          {Type: "bool", Default: false},
			"group":               {Type: "str"},
			"groups":              {Type: "list", Elements: "str"},
			"comment":             {Type: "str"},
			"home":                {Type: "path"},
			"shell":               {Type: "str"},
			"password":            {Type: "str", NoLog: true},
			"login_class":         {Type: "str"},
			"password_expire_max": {Type: "int"},
			"password_expire_min": {Type: "int"},
			"hidden":              {Type: "bool"},
			"seuser":              {Type: "str"},
			"force":               {Type: "bool", Default: false},
			"remove":              {Type: "bool", Default: false},
			"create_home":         {Type: "bool", Default: true, Aliases: []string{"createhome"}},
			"skeleton":            {Type: "str"},
			"system":              {Type: "bool", Default: false},
			"move_home":           {Type: "bool", Default: false},
			"append":              {Type: "bool", Default: false},
			"generate_ssh_key":    {Type: "bool"},
			"ssh_key_bits":        {Type: "int", Default: 0},
			"ssh_key_type":        {Type: "str", Default: "rsa"},
			"ssh_key_file":        {Type: "path"},
			"ssh_key_comment":     {Type: "str"},
			"ssh_key_passphrase":  {Type: "str", NoLog: true},
			"update_password":     {Type: "str", Default: "always", Choices: []string{"always", "on_create"}},
			"expires":             {Type: "float"},
			"password_lock":       {Type: "bool"},
			"local":               {Type: "bool"},
			"profile":             {Type: "str"},
			"authorization":       {Type: "str"},
			"role":                {Type: "str"},
			"umask":               {Type: "str"},
		},
		CheckMode: true,
	}
}

func init() { Register("user", userSpec(), ModuleFunc(runUser)) }

// sysUser is one passwd entry (with its shadow fields when readable).
type sysUser struct {
	Name    string
	Hash    string // the shadow (or passwd) password field
	UID     int
	GID     int
	Comment string
	Home    string
	Shell   string
	Expire  int // shadow's expire field in days since the epoch; -1 when unset
	MinDays int // shadow's minimum password age; -1 when unset
	MaxDays int // shadow's maximum password age; -1 when unset
}

// sysGroup is one group entry.
type sysGroup struct {
	Name    string
	GID     int
	Members []string
}

// sysAccounts is what the host told about one user and all groups.
type sysAccounts struct {
	OS     string // "linux" or "darwin"
	User   *sysUser
	Groups []sysGroup
}

// group finds a group by name or, for a number, by gid, as Ansible's
// group_exists does (gid first).
func (a *sysAccounts) group(name string) *sysGroup {
	if n, err := strconv.Atoi(name); err == nil {
		for i := range a.Groups {
			if a.Groups[i].GID == n {
				return &a.Groups[i]
			}
		}
	}
	for i := range a.Groups {
		if a.Groups[i].Name == name {
			return &a.Groups[i]
		}
	}
	return nil
}

// memberOf lists the groups naming user as a member, sorted.
func (a *sysAccounts) memberOf(user string) []string {
	var out []string
	for _, g := range a.Groups {
		for _, m := range g.Members {
			if m == user {
				out = append(out, g.Name)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// accountsScript prints the passwd and shadow entries of user $1 and every
// group, one record a line with a tag: P (passwd), S (shadow), G (group),
// or for macOS the D (dscl) lines.
const accountsScript = `if [ "$(uname -s)" = Darwin ]; then
  echo "OS darwin"
  if dscl . -read /Users/"$1" UniqueID >/dev/null 2>&1; then
    printf 'D name %s\n' "$1"
    dscl . -read /Users/"$1" UniqueID PrimaryGroupID NFSHomeDirectory UserShell RealName 2>/dev/null | sed 's/^/D /'
  fi
  dscl . -list /Groups PrimaryGroupID 2>/dev/null | awk '{print "G " $1 ":x:" $2 ":"}'
  dscl . -list /Groups GroupMembership 2>/dev/null | sed 's/^/M /'
  exit 0
fi
echo "OS linux"
if command -v getent >/dev/null 2>&1; then
  getent passwd -- "$1" | sed 's/^/P /'
  getent shadow -- "$1" 2>/dev/null | sed 's/^/S /'
  getent group | sed 's/^/G /'
else
  awk -F: -v n="$1" '$1 == n { print "P " $0 }' /etc/passwd
  [ -r /etc/shadow ] && awk -F: -v n="$1" '$1 == n { print "S " $0 }' /etc/shadow
  sed 's/^/G /' /etc/group
fi
exit 0`

// parseAccounts reads accountsScript's output for user name.
func parseAccounts(name, out string) (*sysAccounts, error) {
	a := &sysAccounts{}
	darwin := map[string]string{}
	members := map[string][]string{}
	for _, line := range strings.Split(out, "\n") {
		tag, rest, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		switch tag {
		case "OS":
			a.OS = rest
		case "P":
			f := strings.Split(rest, ":")
			if len(f) < 7 || f[0] != name {
				continue
			}
			uid, err1 := strconv.Atoi(f[2])
			gid, err2 := strconv.Atoi(f[3])
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("passwd entry of %s: bad ids in %q", name, rest)
			}
			a.User = &sysUser{Name: f[0], Hash: f[1], UID: uid, GID: gid, Comment: f[4], Home: f[5], Shell: f[6], Expire: -1, MinDays: -1, MaxDays: -1}
		case "S":
			f := strings.Split(rest, ":")
			if len(f) < 8 || f[0] != name || a.User == nil {
				continue
			}
			a.User.Hash = f[1]
			for i, p := range map[int]*int{7: &a.User.Expire, 3: &a.User.MinDays, 4: &a.User.MaxDays} {
				if n, err := strconv.Atoi(f[i]); err == nil {
					*p = n
				}
			}
		case "G":
			f := strings.Split(rest, ":")
			if len(f) < 3 {
				continue
			}
			gid, err := strconv.Atoi(f[2])
			if err != nil {
				continue
			}
			g := sysGroup{Name: f[0], GID: gid}
			if len(f) > 3 && f[3] != "" {
				g.Members = strings.Split(f[3], ",")
			}
			a.Groups = append(a.Groups, g)
		case "M":
			f := strings.Fields(rest)
			if len(f) > 1 {
				members[f[0]] = f[1:]
			}
		case "D":
			k, v, _ := strings.Cut(rest, " ")
			k = strings.TrimSuffix(k, ":")
			darwin[k] = strings.TrimSpace(v)
		}
	}
	if a.OS == "" {
		return nil, fmt.Errorf("accounts of %s: unexpected output %q", name, out)
	}
	for i := range a.Groups {
		if m, ok := members[a.Groups[i].Name]; ok {
			a.Groups[i].Members = m
		}
	}
	if darwin["name"] != "" {
		uid, _ := strconv.Atoi(darwin["UniqueID"])
		gid, _ := strconv.Atoi(darwin["PrimaryGroupID"])
		a.User = &sysUser{Name: name, UID: uid, GID: gid, Home: darwin["NFSHomeDirectory"],
			Shell: darwin["UserShell"], Comment: darwin["RealName"], Expire: -1}
	}
	return a, nil
}

// readAccounts runs accountsScript on the host.
func readAccounts(ctx context.Context, t *Task, name string) (*sysAccounts, error) {
	res, err := t.Exec(ctx, "sh -c "+connection.Quote(accountsScript)+" sh "+connection.Quote(name))
	if err != nil {
		return nil, fmt.Errorf("read accounts: %w", err)
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("read accounts: %s", strings.TrimSpace(string(res.Stderr)))
	}
	return parseAccounts(name, string(res.Stdout))
}

// userArgs are the user module's arguments, read once.
type userArgs struct {
	Name, State                  string
	UID                          *int
	NonUnique                    bool
	Group                        *string
	Groups                       *string // comma-joined, as Ansible keeps it
	Comment, Home, Shell         *string
	Password                     *string
	UpdatePassword               string
	CreateHome, System, MoveHome bool
	Append, Force, Remove        bool
	Skeleton                     *string
	Expires                      *float64
	PasswordLock                 *bool
}

func userArgsFrom(args map[string]any) userArgs {
	fa := fileArgs(args)
	opt := func(k string) *string {
		if s, ok := fa.str(k); ok {
			return &s
		}
		return nil
	}
	u := userArgs{
		Name: pyStr(args["name"]), State: "present", UpdatePassword: "always",
		NonUnique: fa.boolean("non_unique", false), Group: opt("group"),
		Comment: opt("comment"), Home: opt("home"), Shell: opt("shell"), Password: opt("password"),
		CreateHome: fa.boolean("create_home", true), System: fa.boolean("system", false),
		MoveHome: fa.boolean("move_home", false), Append: fa.boolean("append", false),
		Force: fa.boolean("force", false), Remove: fa.boolean("remove", false), Skeleton: opt("skeleton"),
	}
	if s, ok := fa.str("state"); ok {
		u.State = s
	}
	if s, ok := fa.str("update_password"); ok {
		u.UpdatePassword = s
	}
	if v, ok := args["uid"]; ok && v != nil {
		n := fa.integer("uid", 0)
		u.UID = &n
	}
	if v, ok := args["groups"]; ok && v != nil {
		g := strings.Join(fa.list("groups"), ",")
		u.Groups = &g
	}
	if v, ok := args["expires"]; ok && v != nil {
		f := toF64(v)
		u.Expires = &f
	}
	if v, ok := args["password_lock"]; ok && v != nil {
		b := fa.boolean("password_lock", false)
		u.PasswordLock = &b
	}
	if u.Home != nil {
		h := fsCleanPath(*u.Home)
		u.Home = &h
	}
	return u
}

// groupList splits the comma-joined groups as Ansible's get_groups_set
// does: trimmed, empty names dropped, duplicates removed; it fails on a
// group that does not exist. With dropPrimary the user's primary group
// (the group argument) is left out.
func (u *userArgs) groupList(a *sysAccounts, dropPrimary bool) ([]string, error) {
	if u.Groups == nil || *u.Groups == "" {
		return nil, nil
	}
	seen := map[string]bool{}
	var out []string
	for _, g := range strings.Split(*u.Groups, ",") {
		g = strings.TrimSpace(g)
		if g == "" || seen[g] {
			continue
		}
		grp := a.group(g)
		if grp == nil {
			return nil, fmt.Errorf("Group %s does not exist", g)
		}
		if dropPrimary && u.Group != nil {
			if pg := a.group(*u.Group); pg != nil && pg.GID == grp.GID {
				continue
			}
		}
		seen[g] = true
		out = append(out, g)
	}
	return out, nil
}

// userHashWarning is Ansible's check_password_encrypted.
func userHashWarning(password string) string {
	const msg = "The input password appears not to have been hashed. The 'password' argument must be encrypted for this module to work properly."
	switch password {
	case "", "*", "!", "*************":
		return ""
	}
	bad := strings.ContainsAny(password, ":*!") || !strings.Contains(password, "$")
	if f := strings.Split(password, "$"); len(f) >= 3 {
		last := f[len(f)-1]
		if regexp.MustCompile(`[^a-zA-Z0-9./]`).MatchString(last) {
			bad = true
		}
		want := map[string]int{"1": 22, "5": 43, "6": 86}[f[1]]
		if want != 0 && len(last) != want {
			bad = true
		}
	}
	if bad {
		return msg
	}
	return ""
}

// userExpireDate is useradd's -e value for expires (seconds since the
// epoch): "" for a negative value, else the UTC date.
func userExpireDate(exp float64) string {
	if exp < 0 {
		return ""
	}
	return time.Unix(int64(exp), 0).UTC().Format("2006-01-02")
}

// userAddArgv builds useradd's argv for a new user (Linux).
func userAddArgv(u *userArgs, a *sysAccounts) ([]string, error) {
	cmd := []string{"useradd"}
	if u.UID != nil {
		cmd = append(cmd, "-u", strconv.Itoa(*u.UID))
		if u.NonUnique {
			cmd = append(cmd, "-o")
		}
	}
	if u.Group != nil {
		if a.group(*u.Group) == nil {
			return nil, fmt.Errorf("Group %s does not exist", *u.Group)
		}
		cmd = append(cmd, "-g", *u.Group)
	} else if a.group(u.Name) != nil {
		cmd = append(cmd, "-N")
	}
	groups, err := u.groupList(a, true)
	if err != nil {
		return nil, err
	}
	if len(groups) > 0 {
		cmd = append(cmd, "-G", strings.Join(groups, ","))
	}
	if u.Comment != nil {
		cmd = append(cmd, "-c", *u.Comment)
	}
	if u.Home != nil {
		cmd = append(cmd, "-d", *u.Home)
	}
	if u.Shell != nil {
		cmd = append(cmd, "-s", *u.Shell)
	}
	if u.Expires != nil {
		cmd = append(cmd, "-e", userExpireDate(*u.Expires))
	}
	if u.Password != nil {
		p := *u.Password
		if u.PasswordLock != nil && *u.PasswordLock {
			p = "!" + p
		}
		cmd = append(cmd, "-p", p)
	}
	if u.CreateHome {
		cmd = append(cmd, "-m")
		if u.Skeleton != nil {
			cmd = append(cmd, "-k", *u.Skeleton)
		}
	} else {
		cmd = append(cmd, "-M")
	}
	if u.System {
		cmd = append(cmd, "-r")
	}
	return append(cmd, u.Name), nil
}

// userModArgv builds usermod's argv for an existing user, nil when
// nothing differs (Ansible's modify_user_usermod).
func userModArgv(u *userArgs, a *sysAccounts) ([]string, error) {
	info := a.User
	cmd := []string{"usermod"}
	if u.UID != nil && info.UID != *u.UID {
		cmd = append(cmd, "-u", strconv.Itoa(*u.UID))
		if u.NonUnique {
			cmd = append(cmd, "-o")
		}
	}
	if u.Group != nil {
		g := a.group(*u.Group)
		if g == nil {
			return nil, fmt.Errorf("Group %s does not exist", *u.Group)
		}
		if info.GID != g.GID {
			cmd = append(cmd, "-g", strconv.Itoa(g.GID))
		}
	}
	if u.Groups != nil {
		current := a.memberOf(u.Name)
		need := false
		var groups []string
		if *u.Groups == "" {
			need = len(current) > 0 && !u.Append
		} else {
			var err error
			if groups, err = u.groupList(a, false); err != nil {
				return nil, err
			}
			diff := symDiff(current, groups)
			if len(diff) > 0 {
				if u.Append {
					for _, g := range groups {
						if diff[g] {
							cmd = append(cmd, "-a")
							need = true
							break
						}
					}
				} else {
					need = true
				}
			}
		}
		if need {
			cmd = append(cmd, "-G", strings.Join(groups, ","))
		}
	}
	if u.Comment != nil && info.Comment != *u.Comment {
		cmd = append(cmd, "-c", *u.Comment)
	}
	if u.Home != nil && info.Home != *u.Home {
		cmd = append(cmd, "-d", *u.Home)
		if u.MoveHome {
			cmd = append(cmd, "-m")
		}
	}
	if u.Shell != nil && info.Shell != *u.Shell {
		cmd = append(cmd, "-s", *u.Shell)
	}
	if u.Expires != nil {
		if *u.Expires < 0 {
			if info.Expire >= 0 {
				cmd = append(cmd, "-e", "")
			}
		} else if want := userExpireDate(*u.Expires); info.Expire < 0 ||
			time.Unix(int64(info.Expire)*86400, 0).UTC().Format("2006-01-02") != want {
			cmd = append(cmd, "-e", want)
		}
	}
	lock := ""
	if u.PasswordLock != nil {
		if *u.PasswordLock && !strings.HasPrefix(info.Hash, "!") {
			lock = "-L"
		} else if !*u.PasswordLock && strings.HasPrefix(info.Hash, "!") {
			lock = "-U"
		}
	}
	if u.UpdatePassword == "always" && u.Password != nil && strings.TrimLeft(info.Hash, "!") != strings.TrimLeft(*u.Password, "!") {
		lock = ""
		p := *u.Password
		if u.PasswordLock != nil && *u.PasswordLock {
			p = "!" + p
		}
		cmd = append(cmd, "-p", p)
	}
	if lock != "" {
		cmd = append(cmd, lock)
	}
	if len(cmd) == 1 {
		return nil, nil
	}
	return append(cmd, u.Name), nil
}

// symDiff is the symmetric difference of a and b as a set.
func symDiff(a, b []string) map[string]bool {
	in := func(l []string, s string) bool {
		for _, x := range l {
			if x == s {
				return true
			}
		}
		return false
	}
	d := map[string]bool{}
	for _, x := range a {
		if !in(b, x) {
			d[x] = true
		}
	}
	for _, x := range b {
		if !in(a, x) {
			d[x] = true
		}
	}
	return d
}

// userDelArgv builds userdel's argv.
func userDelArgv(u *userArgs) []string {
	cmd := []string{"userdel"}
	if u.Force {
		cmd = append(cmd, "-f")
	}
	if u.Remove {
		cmd = append(cmd, "-r")
	}
	return append(cmd, u.Name)
}

// darwinUserCmds builds the dscl command lines that create (info nil) or
// modify a macOS user, as Ansible's DarwinUser does; nil when nothing
// differs. New users get the next free UniqueID from the host (the
// shell computes it), staff (20) as primary group unless one is given.
func darwinUserCmds(u *userArgs, a *sysAccounts) ([]string, error) {
	rec := "/Users/" + u.Name
	dscl := func(words ...string) string {
		return connection.QuoteAll(append([]string{"dscl", "."}, words...)...)
	}
	var cmds []string
	info := a.User
	if info == nil {
		cmds = append(cmds, dscl("-create", rec))
		if u.UID != nil {
			cmds = append(cmds, dscl("-create", rec, "UniqueID", strconv.Itoa(*u.UID)))
		} else {
			cmds = append(cmds, `uid=$(dscl . -list /Users UniqueID | awk 'BEGIN{m=500} $2>m{m=$2} END{print m+1}') && dscl . -create `+connection.Quote(rec)+` UniqueID "$uid"`)
		}
		gid := "20"
		if u.Group != nil {
			g := a.group(*u.Group)
			if g == nil {
				return nil, fmt.Errorf("Group %s does not exist", *u.Group)
			}
			gid = strconv.Itoa(g.GID)
		}
		cmds = append(cmds, dscl("-create", rec, "PrimaryGroupID", gid))
		shell := "/bin/bash"
		if u.Shell != nil {
			shell = *u.Shell
		}
		cmds = append(cmds, dscl("-create", rec, "UserShell", shell))
		home := "/Users/" + u.Name
		if u.Home != nil {
			home = *u.Home
		}
		cmds = append(cmds, dscl("-create", rec, "NFSHomeDirectory", home))
		if u.Comment != nil {
			cmds = append(cmds, dscl("-create", rec, "RealName", *u.Comment))
		}
		if u.Password != nil {
			cmds = append(cmds, dscl("-passwd", rec, *u.Password))
		}
		if u.CreateHome {
			cmds = append(cmds, "createhomedir -c -u "+connection.Quote(u.Name)+" >/dev/null")
		}
	} else {
		if u.UID != nil && info.UID != *u.UID {
			cmds = append(cmds, dscl("-create", rec, "UniqueID", strconv.Itoa(*u.UID)))
		}
		if u.Group != nil {
			g := a.group(*u.Group)
			if g == nil {
				return nil, fmt.Errorf("Group %s does not exist", *u.Group)
			}
			if g.GID != info.GID {
				cmds = append(cmds, dscl("-create", rec, "PrimaryGroupID", strconv.Itoa(g.GID)))
			}
		}
		if u.Shell != nil && info.Shell != *u.Shell {
			cmds = append(cmds, dscl("-create", rec, "UserShell", *u.Shell))
		}
		if u.Home != nil && info.Home != *u.Home {
			cmds = append(cmds, dscl("-create", rec, "NFSHomeDirectory", *u.Home))
		}
		if u.Comment != nil && info.Comment != *u.Comment {
			cmds = append(cmds, dscl("-create", rec, "RealName", *u.Comment))
		}
	}
	if u.Groups != nil && *u.Groups != "" {
		groups, err := u.groupList(a, false)
		if err != nil {
			return nil, err
		}
		current := a.memberOf(u.Name)
		for g := range symDiff(current, groups) {
			member := false
			for _, c := range current {
				member = member || c == g
			}
			if member && !u.Append {
				cmds = append(cmds, connection.QuoteAll("dseditgroup", "-o", "edit", "-d", u.Name, "-t", "user", g))
			} else if !member {
				cmds = append(cmds, connection.QuoteAll("dseditgroup", "-o", "edit", "-a", u.Name, "-t", "user", g))
			}
		}
	}
	return cmds, nil
}

// darwinUserDelete removes a macOS user (and its home with remove).
func darwinUserDelete(u *userArgs, home string) []string {
	cmds := []string{connection.QuoteAll("dscl", ".", "-delete", "/Users/"+u.Name)}
	if u.Remove && home != "" {
		cmds = append(cmds, "rm -rf -- "+connection.Quote(home))
	}
	return cmds
}

// runCmds runs command lines joined with && and returns rc, stdout, stderr.
func runCmds(ctx context.Context, t *Task, cmds []string) (int, string, string, error) {
	res, err := t.Exec(ctx, strings.Join(cmds, " && "))
	if err != nil {
		return 0, "", "", err
	}
	return res.ExitCode, string(res.Stdout), string(res.Stderr), nil
}

func runUser(ctx context.Context, t *Task) (Result, error) {
	u := userArgsFrom(t.Args)
	for _, k := range []string{"login_class", "profile", "authorization", "role", "seuser"} {
		if v, ok := t.Args[k]; ok && v != nil && v != false {
			return Failf("omeprov's user module does not support %s", k), nil
		}
	}
	if v, ok := t.Args["local"].(bool); ok && v {
		return Failf("omeprov's user module does not support local (luseradd)"), nil
	}
	var warnings []string
	if u.Password != nil {
		if w := userHashWarning(*u.Password); w != "" {
			warnings = append(warnings, w)
		}
	}
	withWarnings := func(r Result) Result {
		if len(warnings) > 0 {
			r["warnings"] = warnings
		}
		return r
	}
	a, err := readAccounts(ctx, t, u.Name)
	if err != nil {
		return nil, fmt.Errorf("user: %w", err)
	}
	darwin := a.OS == "darwin"
	fail := func(msg string, rc int) Result {
		r := Result{"failed": true, "changed": false, "msg": msg}
		if rc != 0 {
			r["name"], r["rc"] = u.Name, rc
		}
		return r
	}
	r := Result{"name": u.Name, "state": u.State}
	ran := false
	var out, errOut string
	if u.State == "absent" {
		if a.User == nil {
			return withWarnings(Result{"changed": false, "name": u.Name, "state": "absent"}), nil
		}
		if t.Check {
			return withWarnings(Result{"changed": true}), nil
		}
		cmds := []string{quoteWords(userDelArgv(&u))}
		if darwin {
			cmds = darwinUserDelete(&u, a.User.Home)
		}
		rc, so, se, err := runCmds(ctx, t, cmds)
		if err != nil {
			return nil, fmt.Errorf("user: %w", err)
		}
		if rc != 0 {
			return fail(se, rc), nil
		}
		r["force"], r["remove"] = u.Force, u.Remove
		r["changed"] = true
		if so != "" {
			r["stdout"] = so
		}
		if se != "" {
			r["stderr"] = se
		}
		return withWarnings(r), nil
	}
	var cmds []string
	if a.User == nil {
		// Ansible's main() exits changed in check mode before create_user,
		// so the group and groups are not looked up (they may be made by
		// an earlier task that check mode did not run).
		if t.Check {
			return withWarnings(Result{"changed": true}), nil
		}
		if darwin {
			cmds, err = darwinUserCmds(&u, a)
		} else {
			var argv []string
			if argv, err = userAddArgv(&u, a); err == nil {
				cmds = []string{quoteWords(argv)}
			}
		}
		if err != nil {
			return withWarnings(fail(err.Error(), 0)), nil
		}
		r["system"], r["create_home"] = u.System, u.CreateHome
	} else {
		if darwin {
			cmds, err = darwinUserCmds(&u, a)
		} else {
			var argv []string
			if argv, err = userModArgv(&u, a); err == nil && argv != nil {
				cmds = []string{quoteWords(argv)}
			}
		}
		if err != nil {
			return withWarnings(fail(err.Error(), 0)), nil
		}
		r["append"], r["move_home"] = u.Append, u.MoveHome
	}
	if len(cmds) > 0 {
		ran = true
		if !t.Check {
			rc, so, se, err := runCmds(ctx, t, cmds)
			if err != nil {
				return nil, fmt.Errorf("user: %w", err)
			}
			if rc != 0 {
				return withWarnings(fail(se, rc)), nil
			}
			out, errOut = so, se
		}
	}
	if u.Password != nil {
		r["password"] = "NOT_LOGGING_PASSWORD"
	}
	r["changed"] = ran
	if out != "" {
		r["stdout"] = out
	}
	if errOut != "" {
		r["stderr"] = errOut
	}
	if !t.Check || a.User != nil {
		after := a
		if !t.Check && ran {
			if after, err = readAccounts(ctx, t, u.Name); err != nil {
				return nil, fmt.Errorf("user: %w", err)
			}
		}
		if after.User == nil {
			return withWarnings(fail("failed to look up user name: "+u.Name, 0)), nil
		}
		info := after.User
		r["uid"], r["group"], r["comment"], r["home"], r["shell"] = info.UID, info.GID, info.Comment, info.Home, info.Shell
		if u.Groups != nil {
			r["groups"] = *u.Groups
		}
		home := info.Home
		if u.Home != nil {
			home = *u.Home
		}
		if u.CreateHome && home != "" && !darwin {
			made, err := userEnsureHome(ctx, t, home, info, u.Skeleton)
			if err != nil {
				return nil, fmt.Errorf("user: %w", err)
			}
			if made {
				r["changed"] = true
			}
		}
		if argv := userChageArgv(t.Args, info); argv != nil {
			r["changed"] = true
			if !t.Check {
				rc, _, se, err := runCmds(ctx, t, []string{quoteWords(argv)})
				if err != nil {
					return nil, fmt.Errorf("user: %w", err)
				}
				if rc != 0 {
					return withWarnings(fail(se, rc)), nil
				}
			}
		}
		if fileArgs(t.Args).boolean("generate_ssh_key", false) {
			fr, err := userSSHKey(ctx, t, info, r)
			if err != nil || fr != nil {
				return fr, err
			}
		}
	}
	return withWarnings(r), nil
}

// userChageArgv is set_password_expire's chage command, nil when the
// password ages are as asked.
func userChageArgv(args map[string]any, info *sysUser) []string {
	argv := []string{"chage"}
	fa := fileArgs(args)
	if v, ok := args["password_expire_min"]; ok && v != nil {
		if n := fa.integer("password_expire_min", 0); n != info.MinDays {
			argv = append(argv, "-m", strconv.Itoa(n))
		}
	}
	if v, ok := args["password_expire_max"]; ok && v != nil {
		if n := fa.integer("password_expire_max", 0); n != info.MaxDays {
			argv = append(argv, "-M", strconv.Itoa(n))
		}
	}
	if len(argv) == 1 {
		return nil
	}
	return append(argv, info.Name)
}

// userSSHKey generates the user's SSH key as Ansible's ssh_key_gen does
// (never over an existing key unless force), then reports its file,
// fingerprint and public key.
func userSSHKey(ctx context.Context, t *Task, info *sysUser, r Result) (Result, error) {
	fa := fileArgs(t.Args)
	typ, _ := fa.str("ssh_key_type")
	if typ == "" {
		typ = "rsa"
	}
	file, _ := fa.str("ssh_key_file")
	if file == "" {
		file = ".ssh/id_" + typ
	}
	if !strings.HasPrefix(file, "/") {
		file = info.Home + "/" + file
	}
	comment, ok := fa.str("ssh_key_comment")
	if !ok {
		res, err := t.Exec(ctx, "uname -n")
		if err != nil {
			return nil, err
		}
		comment = "ansible-generated on " + strings.TrimSpace(string(res.Stdout))
	}
	pass, _ := fa.str("ssh_key_passphrase")
	dir := path.Dir(file)
	ids := strconv.Itoa(info.UID) + ":" + strconv.Itoa(info.GID)
	res, err := t.Exec(ctx, "if [ -e "+connection.Quote(file)+" ]; then echo key; fi; if [ -d "+connection.Quote(dir)+" ]; then echo dir; fi")
	if err != nil {
		return nil, err
	}
	have := string(res.Stdout)
	exists := strings.Contains(have, "key")
	if exists && !fa.boolean("force", false) {
		r["ssh_key_file"] = file
	} else if t.Check {
		r["changed"] = true
		r["ssh_key_file"] = file
		return nil, nil
	} else {
		argv := []string{"ssh-keygen", "-q", "-t", typ}
		if bits := fa.integer("ssh_key_bits", 0); bits > 0 {
			argv = append(argv, "-b", strconv.Itoa(bits))
		}
		argv = append(argv, "-C", comment, "-f", file, "-N", pass)
		cmd := ""
		if !strings.Contains(have, "dir") {
			cmd = "mkdir -m 700 -- " + connection.Quote(dir) + " && chown " + ids + " " + connection.Quote(dir) + " && "
		}
		if exists {
			cmd += "rm -f -- " + connection.Quote(file) + " " + connection.Quote(file+".pub") + " && "
		}
		cmd += quoteWords(argv) + " </dev/null && chown " + ids + " " + connection.Quote(file) + " " + connection.Quote(file+".pub")
		res, err := t.Exec(ctx, cmd)
		if err != nil {
			return nil, err
		}
		if res.ExitCode != 0 {
			return Result{"failed": true, "changed": false, "name": info.Name, "msg": string(res.Stderr), "rc": res.ExitCode}, nil
		}
		r["changed"] = true
	}
	res, err = t.Exec(ctx, "ssh-keygen -l -f "+connection.Quote(file)+"; echo ---; cat -- "+connection.Quote(file+".pub"))
	if err != nil {
		return nil, err
	}
	fp, pub, _ := strings.Cut(string(res.Stdout), "---\n")
	r["ssh_fingerprint"] = strings.TrimSpace(fp)
	r["ssh_key_file"] = file
	r["ssh_public_key"] = strings.TrimSpace(pub)
	return nil, nil
}

// userEnsureHome creates a missing home directory from the skeleton and
// gives it to the user, as Ansible's create_homedir and chown_homedir; it
// reports whether the home was missing (in check mode only reporting).
func userEnsureHome(ctx context.Context, t *Task, home string, info *sysUser, skel *string) (bool, error) {
	res, err := t.Exec(ctx, "test -e "+connection.Quote(home))
	if err != nil {
		return false, err
	}
	if res.ExitCode == 0 {
		return false, nil
	}
	if t.Check {
		return true, nil
	}
	s := "/etc/skel"
	if skel != nil {
		s = *skel
	}
	ids := strconv.Itoa(info.UID) + ":" + strconv.Itoa(info.GID)
	cmd := "mkdir -p -- " + connection.Quote(home) +
		" && { [ ! -d " + connection.Quote(s) + " ] || cp -R -- " + connection.Quote(s+"/.") + " " + connection.Quote(home) + "; }" +
		" && chown -R -- " + ids + " " + connection.Quote(home)
	res, err = t.Exec(ctx, cmd)
	if err != nil {
		return false, err
	}
	if res.ExitCode != 0 {
		return false, fmt.Errorf("create home %s: %s", home, strings.TrimSpace(string(res.Stderr)))
	}
	return true, nil
}
