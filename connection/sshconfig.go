package connection

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kevinburke/ssh_config"
)

// sshTarget is one host to reach over SSH, with everything resolved from
// Params, the ssh arguments and ~/.ssh/config.
type sshTarget struct {
	alias        string // the name asked for
	hostname     string // the address dialled
	port         int
	user         string
	keyFiles     []string // asked for: a missing one is reported
	extraKeys    []string // default keys, used when present
	proxyJump    []string // jump hosts in order, each [user@]host[:port]
	proxyCmd     string   // ProxyCommand, %-tokens expanded; used without jumps
	agentSock    string   // ssh-agent socket; "" for none
	hostKeyAlias string   // HostKeyAlias: the name host keys are known by
	// identitiesOnly: use only keyFiles, not the agent's other keys.
	identitiesOnly bool
	checkKeys      bool
	acceptNew      bool // StrictHostKeyChecking=accept-new: unknown keys pass
	knownHosts     []string
	timeout        time.Duration
	keepalive      time.Duration
}

// sshArgs are the settings found in ansible_ssh_common_args and friends.
type sshArgs struct {
	opts  map[string]string // lower-case option name -> first value
	keys  []string          // -i and -o IdentityFile
	jumps string
}

// parseSSHArgs reads the options ssh would take from args. Options that do
// not matter for a connection made by omeprov are ignored.
func parseSSHArgs(args string) (*sshArgs, error) {
	a := &sshArgs{opts: map[string]string{}}
	words, err := splitWords(args)
	if err != nil {
		return nil, fmt.Errorf("ssh arguments %q: %w", args, err)
	}
	next := func(i *int, flag string) (string, error) {
		w := words[*i]
		if len(w) > 2 {
			return w[2:], nil
		}
		*i++
		if *i >= len(words) {
			return "", fmt.Errorf("ssh arguments %q: %s needs a value", args, flag)
		}
		return words[*i], nil
	}
	set := func(k, v string) {
		k = strings.ToLower(k)
		if k == "identityfile" {
			a.keys = append(a.keys, v)
			return
		}
		if _, ok := a.opts[k]; !ok {
			a.opts[k] = v
		}
	}
	for i := 0; i < len(words); i++ {
		w := words[i]
		if len(w) < 2 || w[0] != '-' {
			continue
		}
		switch w[1] {
		case 'o':
			v, err := next(&i, "-o")
			if err != nil {
				return nil, err
			}
			k, val, ok := strings.Cut(v, "=")
			if !ok {
				k, val, _ = strings.Cut(strings.TrimSpace(v), " ")
			}
			set(strings.TrimSpace(k), strings.TrimSpace(val))
		case 'J':
			v, err := next(&i, "-J")
			if err != nil {
				return nil, err
			}
			set("proxyjump", v)
		case 'i':
			v, err := next(&i, "-i")
			if err != nil {
				return nil, err
			}
			a.keys = append(a.keys, v)
		case 'p':
			v, err := next(&i, "-p")
			if err != nil {
				return nil, err
			}
			set("port", v)
		case 'l':
			v, err := next(&i, "-l")
			if err != nil {
				return nil, err
			}
			set("user", v)
		case 'b', 'c', 'D', 'E', 'e', 'F', 'I', 'L', 'm', 'O', 'Q', 'R', 'S', 'W', 'w', 'B':
			// options with a value that do not concern us
			if len(w) == 2 {
				i++
			}
		}
	}
	a.jumps = a.opts["proxyjump"]
	return a, nil
}

// loadSSHConfig reads an ssh_config file; a missing file is an empty
// configuration.
func loadSSHConfig(path string) (*ssh_config.Config, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return &ssh_config.Config{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg, err := ssh_config.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

func homeDir() string {
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	return "/"
}

func localUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

// expandTokens expands ssh_config's % tokens and a leading ~.
func expandTokens(s, alias, host string, port int, remoteUser string) string {
	if strings.HasPrefix(s, "~/") || s == "~" {
		s = homeDir() + s[1:]
	}
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case '%':
			b.WriteByte('%')
		case 'h':
			b.WriteString(host)
		case 'n':
			b.WriteString(alias)
		case 'p':
			b.WriteString(strconv.Itoa(port))
		case 'r':
			b.WriteString(remoteUser)
		case 'u':
			b.WriteString(localUser())
		case 'd':
			b.WriteString(homeDir())
		default:
			b.WriteByte('%')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// resolveTarget works out how to reach p.Host. Settings from Params win
// over the ssh arguments, which win over the ssh_config file, as they do
// for the ssh command Ansible runs.
func resolveTarget(p Params) (*sshTarget, *ssh_config.Config, *sshArgs, error) {
	if p.Host == "" {
		return nil, nil, nil, errors.New("no host to connect to")
	}
	args, err := parseSSHArgs(p.ExtraSSHArgs)
	if err != nil {
		return nil, nil, nil, err
	}
	cfgPath := p.SSHConfigFile
	if cfgPath == "" {
		cfgPath = filepath.Join(homeDir(), ".ssh", "config")
	}
	cfg, err := loadSSHConfig(cfgPath)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("ssh config: %w", err)
	}
	t, err := targetFor(p.Host, cfg, args, p.User, p.Port)
	if err != nil {
		return nil, nil, nil, err
	}
	t.keyFiles = append(append([]string{}, p.PrivateKeyFiles...), t.keyFiles...)
	for i, k := range t.keyFiles {
		t.keyFiles[i] = expandTokens(k, t.alias, t.hostname, t.port, t.user)
	}

	// Host key checking: Params (host_key_checking) first, then the
	// arguments and the config file may turn it off.
	t.checkKeys = p.HostKeyChecking
	strict := args.opts["stricthostkeychecking"]
	if strict == "" {
		strict, _ = cfg.Get(p.Host, "StrictHostKeyChecking")
	}
	switch strings.ToLower(strict) {
	case "no", "off", "false":
		t.checkKeys = false
	case "accept-new":
		t.acceptNew = true
	}
	kh := p.KnownHostsFile
	if kh == "" {
		kh = args.opts["userknownhostsfile"]
	}
	if kh == "" {
		kh, _ = cfg.Get(p.Host, "UserKnownHostsFile")
	}
	if kh == "" {
		kh = "~/.ssh/known_hosts"
	}
	for _, f := range strings.Fields(kh) {
		t.knownHosts = append(t.knownHosts, expandTokens(f, t.alias, t.hostname, t.port, t.user))
	}
	if _, err := os.Stat("/etc/ssh/ssh_known_hosts"); err == nil && p.KnownHostsFile == "" {
		t.knownHosts = append(t.knownHosts, "/etc/ssh/ssh_known_hosts")
	}

	t.timeout = time.Duration(p.ConnectTimeout) * time.Second
	if t.timeout <= 0 {
		if v, err := strconv.Atoi(args.opts["connecttimeout"]); err == nil && v > 0 {
			t.timeout = time.Duration(v) * time.Second
		} else {
			t.timeout = 10 * time.Second
		}
	}
	t.keepalive = time.Duration(p.KeepaliveSeconds) * time.Second
	if t.keepalive <= 0 {
		if v, err := strconv.Atoi(args.opts["serveraliveinterval"]); err == nil && v > 0 {
			t.keepalive = time.Duration(v) * time.Second
		} else {
			t.keepalive = 30 * time.Second
		}
	}
	return t, cfg, args, nil
}

// targetFor resolves one host name (the target or a jump host) through the
// arguments and the config file. user and port, when set, win.
func targetFor(alias string, cfg *ssh_config.Config, args *sshArgs, userName string, port int) (*sshTarget, error) {
	get := func(key string) string {
		if args != nil {
			if v := args.opts[strings.ToLower(key)]; v != "" {
				return v
			}
		}
		v, _ := cfg.Get(alias, key)
		return v
	}
	t := &sshTarget{alias: alias, hostname: alias, port: port, user: userName}
	if h := get("HostName"); h != "" {
		t.hostname = expandTokens(h, alias, alias, 0, "")
	}
	if t.port == 0 {
		if v := get("Port"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 || n > 65535 {
				return nil, fmt.Errorf("ssh config: bad port %q for %s", v, alias)
			}
			t.port = n
		} else {
			t.port = 22
		}
	}
	if t.user == "" {
		t.user = get("User")
	}
	if t.user == "" {
		t.user = localUser()
	}
	if args != nil {
		t.keyFiles = append(t.keyFiles, args.keys...)
	}
	cfgKeys, _ := cfg.GetAll(alias, "IdentityFile")
	t.keyFiles = append(t.keyFiles, cfgKeys...)
	for i, k := range t.keyFiles {
		t.keyFiles[i] = expandTokens(k, alias, t.hostname, t.port, t.user)
	}
	for _, n := range []string{"id_rsa", "id_ecdsa", "id_ed25519"} {
		t.extraKeys = append(t.extraKeys, filepath.Join(homeDir(), ".ssh", n))
	}
	jumps := get("ProxyJump")
	if jumps != "" && !strings.EqualFold(jumps, "none") {
		for _, j := range strings.Split(jumps, ",") {
			if j = strings.TrimSpace(j); j != "" {
				t.proxyJump = append(t.proxyJump, j)
			}
		}
	}
	t.agentSock = os.Getenv("SSH_AUTH_SOCK")
	switch ia := get("IdentityAgent"); {
	case strings.EqualFold(ia, "none"):
		t.agentSock = ""
	case ia == "SSH_AUTH_SOCK" || ia == "":
	case strings.HasPrefix(ia, "$"):
		t.agentSock = os.Getenv(strings.Trim(ia[1:], "{}"))
	default:
		t.agentSock = expandTokens(ia, alias, t.hostname, t.port, t.user)
	}
	t.identitiesOnly = strings.EqualFold(get("IdentitiesOnly"), "yes")
	t.hostKeyAlias = get("HostKeyAlias")
	if pc := get("ProxyCommand"); pc != "" && !strings.EqualFold(pc, "none") && len(t.proxyJump) == 0 {
		t.proxyCmd = expandTokens(pc, alias, t.hostname, t.port, t.user)
	}
	return t, nil
}

// jumpTarget resolves one ProxyJump element, [user@]host[:port] or
// ssh://[user@]host[:port], through the config file.
func jumpTarget(spec string, cfg *ssh_config.Config) (*sshTarget, error) {
	s := strings.TrimPrefix(spec, "ssh://")
	var userName string
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		userName, s = s[:i], s[i+1:]
	}
	host, port := s, 0
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return nil, fmt.Errorf("ProxyJump %q: bad address", spec)
		}
		host = s[1:end]
		s = s[end+1:]
		if strings.HasPrefix(s, ":") {
			n, err := strconv.Atoi(s[1:])
			if err != nil {
				return nil, fmt.Errorf("ProxyJump %q: bad port", spec)
			}
			port = n
		}
	} else if i := strings.LastIndexByte(s, ':'); i >= 0 && strings.Count(s, ":") == 1 {
		n, err := strconv.Atoi(s[i+1:])
		if err != nil || n <= 0 || n > 65535 {
			return nil, fmt.Errorf("ProxyJump %q: bad port", spec)
		}
		host, port = s[:i], n
	}
	if host == "" {
		return nil, fmt.Errorf("ProxyJump %q: no host", spec)
	}
	t, err := targetFor(host, cfg, nil, userName, port)
	if err != nil {
		return nil, err
	}
	t.proxyJump, t.proxyCmd = nil, ""
	return t, nil
}
