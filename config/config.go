// Package config reads Ansible's configuration: the first ansible.cfg found
// (ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg, /etc/ansible/ansible.cfg,
// in Ansible's order) and the ANSIBLE_* environment variables, which win.
// Only the settings that matter to omeprov are read.
package config

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Config holds the settings omeprov honours.
type Config struct {
	File            string // the ansible.cfg read, "" if none
	Inventory       []string
	RemoteUser      string
	PrivateKeyFile  string
	HostKeyChecking bool
	Forks           int
	RolesPath       []string
	Timeout         int
	Become          bool
	BecomeUser      string
	BecomeMethod    string
	BecomeAskPass   bool
	Pipelining      bool // accepted; omeprov needs no pipelining
	SSHArgs         string
	Connection      string
	AnyErrorsFatal  bool
	GatheringPolicy string // implicit, explicit, smart
}

// Default returns Ansible's defaults.
func Default() *Config {
	home, _ := os.UserHomeDir()
	return &Config{
		Inventory:       []string{"/etc/ansible/hosts"},
		HostKeyChecking: true,
		Forks:           5,
		RolesPath:       []string{filepath.Join(home, ".ansible/roles"), "/usr/share/ansible/roles", "/etc/ansible/roles"},
		Timeout:         10,
		BecomeUser:      "root",
		BecomeMethod:    "sudo",
		GatheringPolicy: "implicit",
	}
}

// Find returns the ansible.cfg Ansible would read, or "".
func Find() string {
	if p := os.Getenv("ANSIBLE_CONFIG"); p != "" {
		if fi, err := os.Stat(p); err == nil {
			if fi.IsDir() {
				p = filepath.Join(p, "ansible.cfg")
			}
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if wd, err := os.Getwd(); err == nil {
		// Ansible ignores a world-writable current directory.
		if fi, err := os.Stat(wd); err == nil && fi.Mode().Perm()&0o002 == 0 {
			if p := filepath.Join(wd, "ansible.cfg"); exists(p) {
				return p
			}
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		if p := filepath.Join(home, ".ansible.cfg"); exists(p) {
			return p
		}
	}
	if exists("/etc/ansible/ansible.cfg") {
		return "/etc/ansible/ansible.cfg"
	}
	return ""
}

func exists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// Load reads the configuration file Find returns and the environment.
func Load() (*Config, error) {
	c := Default()
	if p := Find(); p != "" {
		if err := c.readFile(p); err != nil {
			return nil, err
		}
	}
	c.readEnv(os.Getenv)
	return c, nil
}

// ReadINI parses an ansible.cfg into section → key → value.
func ReadINI(path string) (map[string]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]map[string]string{}
	section := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	var lastKey string
	for sc.Scan() {
		line++
		raw := sc.Text()
		s := strings.TrimSpace(raw)
		if s == "" || strings.HasPrefix(s, "#") || strings.HasPrefix(s, ";") {
			continue
		}
		if (raw[0] == ' ' || raw[0] == '\t') && lastKey != "" && section != "" {
			out[section][lastKey] += "\n" + s // continuation line
			continue
		}
		if strings.HasPrefix(s, "[") {
			if !strings.HasSuffix(s, "]") {
				return nil, fmt.Errorf("%s:%d: malformed section header: %s", path, line, s)
			}
			section = strings.TrimSpace(s[1 : len(s)-1])
			if out[section] == nil {
				out[section] = map[string]string{}
			}
			lastKey = ""
			continue
		}
		i := strings.IndexAny(s, "=:")
		if i < 0 || section == "" {
			return nil, fmt.Errorf("%s:%d: expected key = value: %s", path, line, s)
		}
		k := strings.ToLower(strings.TrimSpace(s[:i]))
		v := strings.TrimSpace(s[i+1:])
		// inline comments need a space before ; or #
		for _, c := range []string{" ;", " #"} {
			if j := strings.Index(v, c); j >= 0 {
				v = strings.TrimSpace(v[:j])
			}
		}
		out[section][k] = v
		lastKey = k
	}
	return out, sc.Err()
}

func (c *Config) readFile(path string) error {
	ini, err := ReadINI(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	c.File = path
	dir := filepath.Dir(path)
	get := func(sec, key string) (string, bool) {
		v, ok := ini[sec][key]
		return v, ok
	}
	if v, ok := get("defaults", "inventory"); ok {
		c.Inventory = pathList(v, dir)
	} else if v, ok := get("defaults", "hostfile"); ok {
		c.Inventory = pathList(v, dir)
	}
	if v, ok := get("defaults", "remote_user"); ok {
		c.RemoteUser = v
	}
	if v, ok := get("defaults", "private_key_file"); ok {
		c.PrivateKeyFile = expandPath(v, dir)
	}
	if v, ok := get("defaults", "host_key_checking"); ok {
		c.HostKeyChecking = Bool(v)
	}
	if v, ok := get("defaults", "forks"); ok {
		if n, err := strconv.Atoi(v); err == nil {
			c.Forks = n
		}
	}
	if v, ok := get("defaults", "roles_path"); ok {
		c.RolesPath = pathList(v, dir)
	}
	if v, ok := get("defaults", "timeout"); ok {
		if n, err := strconv.Atoi(v); err == nil {
			c.Timeout = n
		}
	}
	if v, ok := get("defaults", "transport"); ok {
		c.Connection = v
	}
	if v, ok := get("defaults", "any_errors_fatal"); ok {
		c.AnyErrorsFatal = Bool(v)
	}
	if v, ok := get("defaults", "gathering"); ok {
		c.GatheringPolicy = v
	}
	if v, ok := get("privilege_escalation", "become"); ok {
		c.Become = Bool(v)
	}
	if v, ok := get("privilege_escalation", "become_user"); ok {
		c.BecomeUser = v
	}
	if v, ok := get("privilege_escalation", "become_method"); ok {
		c.BecomeMethod = v
	}
	if v, ok := get("privilege_escalation", "become_ask_pass"); ok {
		c.BecomeAskPass = Bool(v)
	}
	if v, ok := get("ssh_connection", "pipelining"); ok {
		c.Pipelining = Bool(v)
	}
	if v, ok := get("ssh_connection", "ssh_args"); ok {
		c.SSHArgs = v
	}
	return nil
}

func (c *Config) readEnv(getenv func(string) string) {
	if v := getenv("ANSIBLE_INVENTORY"); v != "" {
		c.Inventory = pathList(v, "")
	}
	if v := getenv("ANSIBLE_REMOTE_USER"); v != "" {
		c.RemoteUser = v
	}
	if v := getenv("ANSIBLE_PRIVATE_KEY_FILE"); v != "" {
		c.PrivateKeyFile = expandPath(v, "")
	}
	if v := getenv("ANSIBLE_HOST_KEY_CHECKING"); v != "" {
		c.HostKeyChecking = Bool(v)
	}
	if v := getenv("ANSIBLE_FORKS"); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			c.Forks = n
		}
	}
	if v := getenv("ANSIBLE_ROLES_PATH"); v != "" {
		c.RolesPath = pathList(v, "")
	}
	if v := getenv("ANSIBLE_TIMEOUT"); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			c.Timeout = n
		}
	}
	if v := getenv("ANSIBLE_BECOME"); v != "" {
		c.Become = Bool(v)
	}
	if v := getenv("ANSIBLE_BECOME_USER"); v != "" {
		c.BecomeUser = v
	}
	if v := getenv("ANSIBLE_BECOME_METHOD"); v != "" {
		c.BecomeMethod = v
	}
	if v := getenv("ANSIBLE_BECOME_ASK_PASS"); v != "" {
		c.BecomeAskPass = Bool(v)
	}
	if v := getenv("ANSIBLE_PIPELINING"); v != "" {
		c.Pipelining = Bool(v)
	}
	if v := getenv("ANSIBLE_SSH_ARGS"); v != "" {
		c.SSHArgs = v
	}
	if v := getenv("ANSIBLE_TRANSPORT"); v != "" {
		c.Connection = v
	}
	if v := getenv("ANSIBLE_ANY_ERRORS_FATAL"); v != "" {
		c.AnyErrorsFatal = Bool(v)
	}
	if v := getenv("ANSIBLE_GATHERING"); v != "" {
		c.GatheringPolicy = v
	}
}

// Bool reads a configuration boolean as Ansible's boolean() does.
func Bool(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "yes", "y", "true", "t", "on":
		return true
	}
	return false
}

// pathList splits a colon or comma separated list of paths, relative to
// dir (the config file's directory) and with ~ expanded.
func pathList(v, dir string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ':' || r == ',' }) {
		p = strings.TrimSpace(p)
		if p != "" {
			out = append(out, expandPath(p, dir))
		}
	}
	return out
}

func expandPath(p, dir string) string {
	if strings.HasPrefix(p, "~/") || p == "~" {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, strings.TrimPrefix(p, "~"))
		}
	}
	p = os.ExpandEnv(p)
	if dir != "" && !filepath.IsAbs(p) && (strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") || strings.Contains(p, "/") || exists(filepath.Join(dir, p)) || isDir(filepath.Join(dir, p))) {
		p = filepath.Join(dir, p)
	}
	return p
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
