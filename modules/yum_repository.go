package modules

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"
)

// The yum_repository module writes a section of /etc/yum.repos.d/FILE.repo
// (or removes it, and the file with its last section) the way
// ansible-core 2.14 does with Python's RawConfigParser: same file layout,
// same key order, same before/after diff.

// yumRepoAllowed are the options written to the repo file.
var yumRepoAllowed = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`async bandwidth baseurl cost deltarpm_metadata_percentage deltarpm_percentage
		enabled enablegroups exclude failovermethod gpgcakey gpgcheck gpgkey module_hotfixes http_caching include
		includepkgs ip_resolve keepalive keepcache metadata_expire metadata_expire_filter metalink mirrorlist
		mirrorlist_expire name password priority protect proxy proxy_password proxy_username repo_gpgcheck retries
		s3_enabled skip_if_unavailable sslcacert ssl_check_cert_permissions sslclientcert sslclientkey sslverify
		throttle timeout ui_repoid_vars username`) {
		yumRepoAllowed[k] = true
	}
	str := Param{Type: "str"}
	b := Param{Type: "bool"}
	list := Param{Type: "list", Elements: "str"}
	params := map[string]Param{
		"async": b, "bandwidth": str, "baseurl": list, "cost": str, "deltarpm_metadata_percentage": str,
		"deltarpm_percentage": str, "description": str, "enabled": b, "enablegroups": b, "exclude": list,
		"failovermethod": {Type: "str", Choices: []string{"roundrobin", "priority"}},
		"file":           str, "gpgcakey": str, "gpgcheck": b, "gpgkey": list, "module_hotfixes": b,
		"http_caching": {Type: "str", Choices: []string{"all", "packages", "none"}},
		"include":      str, "includepkgs": list,
		"ip_resolve": {Type: "str", Choices: []string{"4", "6", "IPv4", "IPv6", "whatever"}},
		"keepalive":  b, "keepcache": {Type: "str", Choices: []string{"0", "1"}},
		"metadata_expire":        str,
		"metadata_expire_filter": {Type: "str", Choices: []string{"never", "read-only:past", "read-only:present", "read-only:future"}},
		"metalink":               str, "mirrorlist": str, "mirrorlist_expire": str,
		"name":     {Type: "str", Required: true},
		"params":   {Type: "dict"},
		"password": {Type: "str", NoLog: true},
		"priority": str, "protect": b, "proxy": str,
		"proxy_password": {Type: "str", NoLog: true},
		"proxy_username": str, "repo_gpgcheck": b,
		"reposdir": {Type: "path", Default: "/etc/yum.repos.d"},
		"retries":  str, "s3_enabled": b,
		"skip_if_unavailable":        b,
		"sslcacert":                  {Type: "str", Aliases: []string{"ca_cert"}},
		"ssl_check_cert_permissions": b,
		"sslclientcert":              {Type: "str", Aliases: []string{"client_cert"}},
		"sslclientkey":               {Type: "str", Aliases: []string{"client_key"}},
		"sslverify":                  {Type: "bool", Aliases: []string{"validate_certs"}},
		"state":                      {Type: "str", Default: "present", Choices: []string{"present", "absent"}},
		"throttle":                   str, "timeout": str, "ui_repoid_vars": str, "username": str,
	}
	Register("yum_repository", Spec{Params: fsCommonParams(params), CheckMode: true}, ModuleFunc(runYumRepository))
}

// yumIniOption is one key and value of a section; Value is nil for a key
// without a value.
type yumIniOption struct {
	Key   string
	Value *string
}

// yumIniSection is a section and its options in file order.
type yumIniSection struct {
	Name    string
	Options []yumIniOption
}

// yumIniFile is a repo file as RawConfigParser holds it.
type yumIniFile struct {
	Sections []*yumIniSection
}

// parseYumRepoFile reads a repo file as Python's RawConfigParser does: keys
// lower-cased, values stripped, indented lines continuing a value,
// comments and blank lines dropped.
func parseYumRepoFile(text string) (*yumIniFile, error) {
	f := &yumIniFile{}
	var cur *yumIniSection
	var last *yumIniOption
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, ";") {
			if trimmed == "" {
				last = nil
			}
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && last != nil && cur != nil {
			v := trimmed
			if last.Value != nil {
				v = *last.Value + "\n" + trimmed
			}
			last.Value = &v
			continue
		}
		if strings.HasPrefix(trimmed, "[") && strings.HasSuffix(trimmed, "]") {
			name := trimmed[1 : len(trimmed)-1]
			if f.Section(name) != nil {
				return nil, fmt.Errorf("line %d: section %q already exists", i+1, name)
			}
			cur = &yumIniSection{Name: name}
			f.Sections = append(f.Sections, cur)
			last = nil
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("line %d: file contains no section headers", i+1)
		}
		k, v, found := strings.Cut(trimmed, "=")
		if c := strings.Index(trimmed, ":"); c >= 0 && (!found || c < len(k)) {
			k, v, found = trimmed[:c], trimmed[c+1:], true
		}
		opt := yumIniOption{Key: strings.ToLower(strings.TrimSpace(k))}
		if found {
			val := strings.TrimSpace(v)
			opt.Value = &val
		}
		cur.Options = append(cur.Options, opt)
		last = &cur.Options[len(cur.Options)-1]
	}
	return f, nil
}

// Section returns the named section or nil.
func (f *yumIniFile) Section(name string) *yumIniSection {
	for _, s := range f.Sections {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Remove deletes a section.
func (f *yumIniFile) Remove(name string) {
	for i, s := range f.Sections {
		if s.Name == name {
			f.Sections = append(f.Sections[:i], f.Sections[i+1:]...)
			return
		}
	}
}

// Write renders the file as RawConfigParser.write does.
func (f *yumIniFile) Write() string {
	var b strings.Builder
	for _, s := range f.Sections {
		b.WriteString("[" + s.Name + "]\n")
		for _, o := range s.Options {
			if o.Value == nil {
				b.WriteString(o.Key + "\n")
				continue
			}
			b.WriteString(o.Key + " = " + strings.ReplaceAll(*o.Value, "\n", "\n\t") + "\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Dump renders the sections and options sorted, as the module's diff.
func (f *yumIniFile) Dump() string {
	secs := append([]*yumIniSection{}, f.Sections...)
	sort.SliceStable(secs, func(i, j int) bool { return secs[i].Name < secs[j].Name })
	var b strings.Builder
	for _, s := range secs {
		b.WriteString("[" + s.Name + "]\n")
		opts := append([]yumIniOption{}, s.Options...)
		sort.SliceStable(opts, func(i, j int) bool { return opts[i].Key < opts[j].Key })
		for _, o := range opts {
			v := "None"
			if o.Value != nil {
				v = *o.Value
			}
			b.WriteString(o.Key + " = " + v + "\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// yumRepoSection builds the section the task asks for: every allowed
// option that has a value, sorted by key, booleans as 0/1, baseurl and
// gpgkey joined with newlines, exclude and includepkgs with spaces.
func yumRepoSection(args map[string]any) (*yumIniSection, error) {
	a := rpmArgs(args)
	repoid := a.str("name")
	s := &yumIniSection{Name: repoid}
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	// the repo's name option is the description
	keys = append(keys, "name")
	sort.Strings(keys)
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] || !yumRepoAllowed[k] {
			continue
		}
		seen[k] = true
		src := k
		if k == "name" {
			src = "description"
		}
		v, ok := args[src]
		if !ok || v == nil {
			continue
		}
		var val string
		switch x := v.(type) {
		case bool:
			val = map[bool]string{true: "1", false: "0"}[x]
		case []any, []string:
			sep := " "
			if k == "baseurl" || k == "gpgkey" {
				sep = "\n"
			}
			val = strings.Join(a.list(src), sep)
		default:
			val = fmt.Sprint(x)
		}
		s.Options = append(s.Options, yumIniOption{Key: k, Value: &val})
	}
	return s, nil
}

func runYumRepository(ctx context.Context, t *Task) (Result, error) {
	a := rpmArgs(t.Args)
	if a.has("params") {
		if m, ok := t.Args["params"].(map[string]any); !ok || len(m) > 0 {
			return Failf("The params option to yum_repository was removed in Ansible 2.5 since it circumvents Ansible's option handling"), nil
		}
	}
	name, state := a.str("name"), a.str("state")
	if name == "" {
		return Failf("missing required arguments: name"), nil
	}
	if state == "" {
		state = "present"
	}
	if state == "present" {
		if !a.has("baseurl") && !a.has("metalink") && !a.has("mirrorlist") {
			return Failf("Parameter 'baseurl', 'metalink' or 'mirrorlist' is required."), nil
		}
		if !a.has("description") {
			return Failf("Parameter 'description' is required."), nil
		}
	}
	reposdir := a.str("reposdir")
	if reposdir == "" {
		reposdir = "/etc/yum.repos.d"
	}
	file := a.str("file")
	if file == "" {
		file = name
	}
	dest := path.Join(reposdir, file+".repo")
	qd, qf := QuotePath(reposdir), QuotePath(dest)
	res, err := t.Exec(ctx, "if [ ! -d "+qd+" ]; then echo NODIR; exit 0; fi; if [ -f "+qf+" ]; then echo FILE; cat "+qf+"; else echo NOFILE; fi")
	if err != nil {
		return nil, fmt.Errorf("yum_repository: read %s: %w", dest, err)
	}
	if res.ExitCode != 0 {
		return Failf("yum_repository: read %s: %s", dest, strings.TrimSpace(string(res.Stderr))), nil
	}
	head, body, _ := strings.Cut(string(res.Stdout), "\n")
	if head == "NODIR" {
		return Failf("Repo directory '%s' does not exist.", reposdir), nil
	}
	existed := head == "FILE"
	ini := &yumIniFile{}
	if existed {
		if ini, err = parseYumRepoFile(body); err != nil {
			return Failf("yum_repository: %s: %v", dest, err), nil
		}
	}
	before := ini.Dump()
	ini.Remove(name)
	if state == "present" {
		sec, err := yumRepoSection(t.Args)
		if err != nil {
			return Failf("%v", err), nil
		}
		ini.Sections = append(ini.Sections, sec)
	}
	after := ini.Dump()
	changed := before != after
	if changed && !t.Check {
		if len(ini.Sections) > 0 {
			if err := fsWrite(ctx, t, dest, []byte(ini.Write()), "", 0); err != nil {
				return Failf("Problems handling file %s.", dest), nil
			}
			existed = true
		} else {
			res, err := t.Exec(ctx, "rm -f -- "+qf)
			if err != nil {
				return nil, fmt.Errorf("yum_repository: remove %s: %w", dest, err)
			}
			if res.ExitCode != 0 {
				return Failf("Cannot remove empty repo file %s.", dest), nil
			}
			existed = false
		}
	}
	if existed {
		info, err := fsStat(ctx, t, dest)
		if err != nil {
			return nil, fmt.Errorf("yum_repository: %w", err)
		}
		c, err := fsSetAttrs(ctx, t, info, fsAttrsFrom(t.Args), true, nil)
		if err != nil {
			return Failf("%v", err), nil
		}
		changed = changed || c
	}
	return Result{"changed": changed, "repo": name, "state": state,
		"diff": Diff{Before: before, After: after, BeforeHeader: dest, AfterHeader: dest}}, nil
}
