package integration

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/ome/omeprov/internal/sshdtest"
)

// omeprovBin is the binary built once for the package's tests.
var omeprovBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "omeprov-bin-")
	if err != nil {
		panic(err)
	}
	omeprovBin = filepath.Join(dir, "omeprov")
	out, err := exec.Command("go", "build", "-o", omeprovBin, "../cmd/omeprov").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building omeprov: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// hosts is a set of real sshd hosts on loopback addresses, plus one
// address where nothing listens, described by an inventory file.
type hosts struct {
	servers   []*sshdtest.Server
	inventory string
	env       []string
	sudoUser  *sshdtest.User
}

// startHosts starts n sshd hosts h1..hn on 127.0.0.(10+i). Every host
// but the last logs in as root; the last logs in as a user with
// passwordless sudo, so become is exercised for real. When unreachable
// is set, host "down" points at an address and port where nothing listens.
func startHosts(t *testing.T, n int, unreachable bool) *hosts {
	t.Helper()
	sshdtest.Require(t)
	h := &hosts{}
	var inv strings.Builder
	inv.WriteString("[all:vars]\nansible_python_interpreter=/usr/bin/python3\n\n[test]\n")
	for i := 1; i <= n; i++ {
		s := sshdtest.Start(t, sshdtest.Options{Addr: fmt.Sprintf("127.0.0.%d", 10+i)})
		h.servers = append(h.servers, s)
		user := s.User
		if i == n && n > 1 {
			if h.sudoUser == nil {
				h.sudoUser = sshdtest.NewUser(t, sshdtest.SudoNoPassword, s.PublicKey)
			}
			user = h.sudoUser.Name
		}
		fmt.Fprintf(&inv, "h%d ansible_host=%s ansible_port=%d ansible_user=%s ansible_ssh_private_key_file=%s\n",
			i, s.Addr, s.Port, user, s.KeyFile)
	}
	if unreachable {
		port := closedPort(t, "127.0.0.99")
		fmt.Fprintf(&inv, "down ansible_host=127.0.0.99 ansible_port=%d ansible_user=root\n", port)
	}
	h.inventory = filepath.Join(t.TempDir(), "hosts.ini")
	if err := os.WriteFile(h.inventory, []byte(inv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	h.env = toolEnv(t)
	return h
}

// toolEnv is the environment both tools run with: the clean environment,
// a HOME of the test's own, Ansible's settings for tests, then extra.
func toolEnv(t *testing.T, extra ...string) []string {
	home := t.TempDir()
	env := append(cleanEnv(),
		"HOME="+home,
		"ANSIBLE_HOST_KEY_CHECKING=False",
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_RETRY_FILES_ENABLED=False",
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(home, "tmp"),
		"ANSIBLE_SSH_CONTROL_PATH_DIR="+filepath.Join(home, "cp"),
		"ANSIBLE_DEPRECATION_WARNINGS=False",
		"ANSIBLE_SYSTEM_WARNINGS=False",
		"ANSIBLE_TIMEOUT=5",
	)
	return append(env, extra...)
}

// cleanEnv is the environment less what would change either tool's
// behaviour (ANSIBLE_*, the user's ssh agent, pyenv's pip settings).
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "ANSIBLE_") || k == "SSH_AUTH_SOCK" || k == "PIP_FIND_LINKS" || k == "HOME" {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// closedPort returns a port on addr where nothing listens.
func closedPort(t *testing.T, addr string) int {
	l, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// run runs a command in dir with the hosts' environment.
func (h *hosts) run(t *testing.T, dir string, name string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = h.env
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return string(out), code
}

// requireAnsible skips without ansible-playbook (fails when CI is set).
func requireAnsible(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("ansible-playbook"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ansible-playbook not found (CI is set: not skipping)")
		}
		t.Skip("ansible-playbook not found (apt-get install ansible-core)")
	}
}

// event is one line of a run's output about one host.
type event struct {
	Task   string
	Status string // ok, changed, skipping, failed, fatal, unreachable, ignoring, item-ok …
}

var (
	bannerRe  = regexp.MustCompile(`^(TASK|RUNNING HANDLER) \[(.*)\] \*+$`)
	resultRe  = regexp.MustCompile(`^(ok|changed|skipping|fatal|failed): \[([^\]]+)\]`)
	recapRe   = regexp.MustCompile(`^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)`)
	includeRe = regexp.MustCompile(`^included: (\S+) for (.*)$`)
)

// parseRun reads ansible-playbook style output into per-host events and
// recap lines.
func parseRun(out string) (map[string][]event, map[string]string) {
	events := map[string][]event{}
	recap := map[string]string{}
	task := ""
	var last string
	inRecap := false
	lines := strings.Split(out, "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " ")
		if strings.HasPrefix(line, "PLAY RECAP") {
			inRecap = true
			continue
		}
		if inRecap {
			if m := recapRe.FindStringSubmatch(line); m != nil {
				recap[m[1]] = strings.Join(m[2:], " ")
			}
			continue
		}
		if m := bannerRe.FindStringSubmatch(line); m != nil {
			task = m[1] + " " + m[2]
			continue
		}
		if m := includeRe.FindStringSubmatch(line); m != nil {
			hostList, _, _ := strings.Cut(m[2], " => (item=")
			for _, host := range strings.Split(hostList, ", ") {
				events[host] = append(events[host], event{task, "included " + filepath.Base(m[1])})
			}
			continue
		}
		if line == "...ignoring" && last != "" {
			evs := events[last]
			evs[len(evs)-1].Status += " ignored"
			continue
		}
		m := resultRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		status, host := m[1], m[2]
		rest := line[len(m[0]):]
		switch {
		case strings.HasPrefix(rest, ": UNREACHABLE!"):
			status = "unreachable"
		case strings.HasPrefix(rest, ": FAILED!"):
			status = "failed"
		}
		if strings.Contains(rest, "(item=") {
			status = "item-" + status + " " + strings.SplitN(strings.SplitN(rest, "(item=", 2)[1], ") =>", 2)[0]
		}
		if strings.HasSuffix(line, "=> {") && (status == "ok" || strings.HasPrefix(status, "item-ok")) {
			// A printed result (debug): compare its body too.
			var body []string
			for i++; i < len(lines) && lines[i] != "}"; i++ {
				body = append(body, strings.TrimSpace(lines[i]))
			}
			status += " " + strings.Join(body, " ")
		}
		events[host] = append(events[host], event{task, status})
		last = host
	}
	return events, recap
}

func sortedHosts(m map[string][]event) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func statuses(evs []event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Status
	}
	return out
}
