package connection

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

var (
	dialersMu sync.RWMutex
	dialers   = map[string]Dialer{
		"ssh":      DialSSH,
		"smart":    DialSSH,
		"paramiko": DialSSH,
		"local":    dialLocal,
	}
)

// Register makes a connection type available to Dial under name (as
// ansible_connection spells it). A later registration replaces an earlier
// one.
func Register(name string, d Dialer) {
	dialersMu.Lock()
	defer dialersMu.Unlock()
	dialers[name] = d
}

// Dial opens a connection of type p.Type: "ssh" (the default; "smart" and
// "paramiko" mean the same), "local", or one added with Register. Names may
// carry Ansible's collection prefix (ansible.builtin.ssh).
func Dial(ctx context.Context, p Params) (Connection, error) {
	t := strings.TrimPrefix(p.Type, "ansible.builtin.")
	t = strings.TrimPrefix(t, "ansible.legacy.")
	if t == "" {
		t = "ssh"
	}
	dialersMu.RLock()
	d, ok := dialers[t]
	names := make([]string, 0, len(dialers))
	for n := range dialers {
		names = append(names, n)
	}
	dialersMu.RUnlock()
	if !ok {
		sort.Strings(names)
		return nil, fmt.Errorf("connection: unknown connection type %q (known: %s)", p.Type, strings.Join(names, ", "))
	}
	return d(ctx, p)
}
