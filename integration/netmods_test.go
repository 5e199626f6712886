package integration

// The network and host modules over SSH (#9): get_url, uri and unarchive
// on a loopback sshd host against an HTTP server the test runs on
// 127.0.0.1, each tool in its own workdir (dbsRunPhase: check, run and
// re-run, interleaved); hostname, sysctl and mount on an nshost host (its
// own UTS, network and mount namespaces, so this machine is left alone),
// one tool after the other on the same host, the host's state put back
// between them (nmSeqPhase). Both tools must agree on statuses, recaps,
// printed values and the state they leave.

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ome/omeprov/internal/nshost"
	"github.com/stretchr/testify/require"
)

// nmFile is what the HTTP server serves as /files/file.txt.
const nmFile = "served by the netmods test\n"

// nmModTime is the Last-Modified of everything the server serves: older
// than any file the test writes, so If-Modified-Since gets a 304.
var nmModTime = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

// nmServer starts the HTTP server get_url and uri talk to.
// /archives/ serves the files in archives.
func nmServer(t *testing.T, archives string) *httptest.Server {
	t.Helper()
	files := map[string]string{
		"/files/file.txt": nmFile,
		"/files/data.bin": strings.Repeat("0123456789abcdef", 100),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/files/", func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, r, filepath.Base(r.URL.Path), nmModTime, strings.NewReader(body))
	})
	mux.Handle("/archives/", http.StripPrefix("/archives/", http.FileServer(http.Dir(archives))))
	mux.HandleFunc("/missing.txt", http.NotFound)
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || user != "user" || pass != "secret" || r.Header.Get("X-Test") != "netmods" {
			w.Header().Set("WWW-Authenticate", `Basic realm="netmods"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, "/api/status", http.StatusFound)
	})
	mux.HandleFunc("/api/form", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
			http.Error(w, fmt.Sprint("want a form POST: ", err), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "a=%q b=%q ct=%q", r.PostForm.Get("a"), r.PostForm.Get("b"), r.Header.Get("Content-Type"))
	})
	mux.HandleFunc("/api/status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"state": "up", "n": 3}`)
	})
	mux.HandleFunc("/api/items", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		var got any
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &got); err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			http.Error(w, fmt.Sprintf("want a JSON body: %v %q", err, r.Header.Get("Content-Type")), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"received": got})
	})
	s := httptest.NewServer(mux) // on 127.0.0.1
	t.Cleanup(s.Close)
	return s
}

// nmSh runs a shell command here and fails t unless it succeeds.
func nmSh(t *testing.T, dir, cmd string) {
	t.Helper()
	c := exec.Command("/bin/sh", "-c", cmd)
	c.Dir = dir
	out, err := c.CombinedOutput()
	require.NoError(t, err, "%s: %s", cmd, out)
}

// nmArchives builds files/pkg.{tar.gz,tar.bz2,zip} under dir from a
// small tree (a directory, a file, an executable, a symlink).
func nmArchives(t *testing.T, dir string) {
	t.Helper()
	src := filepath.Join(dir, "src")
	require.NoError(t, os.MkdirAll(filepath.Join(src, "pkg/bin"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(src, "pkg/etc"), 0o750))
	require.NoError(t, os.WriteFile(filepath.Join(src, "pkg/a.txt"), []byte("a\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(src, "pkg/bin/run"), []byte("#!/bin/sh\necho run\n"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "pkg/etc/app.conf"), []byte("x = 1\n"), 0o640))
	require.NoError(t, os.Symlink("a.txt", filepath.Join(src, "pkg/link.txt")))
	files := filepath.Join(dir, "files")
	require.NoError(t, os.MkdirAll(files, 0o755))
	nmSh(t, src, "tar --owner=0 --group=0 -czf ../files/pkg.tar.gz pkg && tar --owner=0 --group=0 -cjf ../files/pkg.tar.bz2 pkg && zip -qry ../files/pkg.zip pkg")
}

// nmEnv is the environment for both tools, as fmStartHosts sets it.
func nmEnv(t *testing.T) []string {
	return toolEnv(t, "ANSIBLE_PIPELINING=True")
}

// TestNetModulesWeb runs testdata/netmods/web.yml (get_url, uri,
// unarchive) with both tools on a loopback sshd host reached as root.
func TestNetModulesWeb(t *testing.T) {
	requireAnsible(t)
	if os.Geteuid() != 0 {
		dbsNeed(t, "needs root (reads the trees the hosts write, unarchives as nobody)")
	}
	dbsNeedTools(t, "curl zip unzip bzip2", "curl", "zip", "unzip", "bzip2")
	t.Parallel()
	h := fmStartHosts(t)

	base, err := os.MkdirTemp("", "omeprov-nm-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(base, 0o755))
	t.Cleanup(func() { os.RemoveAll(base) })
	play := filepath.Join(base, "play")
	require.NoError(t, os.MkdirAll(play, 0o755))
	yml, err := os.ReadFile("testdata/netmods/web.yml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(play, "web.yml"), yml, 0o644))
	nmArchives(t, play)
	srv := nmServer(t, filepath.Join(play, "files"))
	tgz, err := os.ReadFile(filepath.Join(play, "files/pkg.tar.gz"))
	require.NoError(t, err)

	var tools [2]dbsTool
	work := map[string]string{}
	for i, name := range []string{"ansible", "omeprov"} {
		w := filepath.Join(base, name)
		for _, d := range []string{"dl", "tgz", "tbz", "zip", "remote", "uri", "url"} {
			require.NoError(t, os.MkdirAll(filepath.Join(w, d), 0o755))
		}
		require.NoError(t, os.WriteFile(filepath.Join(w, "dl/keep.txt"), []byte("kept, not downloaded\n"), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(w, "dl/forced.txt"), []byte("to be replaced\n"), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(w, "remote.tar.gz"), tgz, 0o644))
		work[name] = w
		tools[i] = dbsTool{name: name, vars: dbsVars(t, base, name+".json", map[string]any{
			"workdir": w, "base_url": srv.URL, "file_sha256": fmt.Sprintf("%x", sha256.Sum256([]byte(nmFile))),
		})}
	}
	state := func(tl dbsTool) string { return fmSnapshot(t, work[tl.name], work[tl.name]) }
	// The re-run changes one thing, as every run does: get_url with a
	// wrong checksum puts the download in place, then removes it and
	// fails (a failed result that is changed).
	runs := dbsRunPhase(t, h, play, "h1", tools, dbsPhase{playbook: "web.yml", state: state, reRunChanges: "1"})
	for m := range runs[0] {
		ar, or := runs[0][m], runs[1][m]
		shown := fmShown(or, "h1", work["omeprov"], srv.URL)
		require.Len(t, shown, 5, "%s: printed values\n%s", or.mode, or)
		require.Equal(t, fmShown(ar, "h1", work["ansible"], srv.URL), shown, "printed values differ; %s\n%s\n%s", ar.mode, ar, or)
		require.Equal(t, fmDiffs(ar.out, work["ansible"], srv.URL), fmDiffs(or.out, work["omeprov"], srv.URL), "diffs differ; %s\n%s\n%s", ar.mode, ar, or)
	}
	// Check mode again, on the converged trees: get_url compares dest
	// with an empty source there (Ansible's HEAD request), so the forced
	// download and the one into a directory report changes.
	var again [2]dbsRun
	for i, tl := range tools {
		before := state(tl)
		again[i] = tl.play(t, h, play, "web.yml", "check", "h1")
		require.Equal(t, before, state(tl), "%s --check changed the state\n%s", tl.name, again[i])
	}
	dbsAgree(t, again[0], again[1], "web.yml, converged")
	got := dbsStatuses(again[1], "h1")
	require.Equal(t, "changed", got["get_url forced over a different file"], "%s", again[1])
	require.Equal(t, "ok", got["get_url to a file with checksum and mode"], "%s", again[1])

	// The run did what the playbook says (not only the same as Ansible).
	run := runs[1][1]
	require.Equal(t, []string{
		`TASK show uri GET: ok "msg": "status=200 state=up n=3 len=23"`,
		`TASK show uri POST: ok "msg": "status=201 name=widget size=2 ct=application/json"`,
		`TASK show uri redirect: ok "msg": "status=200 redirected=True url=` + srv.URL + `/api/status"`,
		`TASK show uri form: ok "msg": "a=\"1 2\" b=\"x&y\" ct=\"application/x-www-form-urlencoded\""`,
		`TASK show unarchive files: ok "msg": "pkg/,pkg/a.txt,pkg/bin/,pkg/bin/run,pkg/link.txt"`,
	}, fmShown(run, "h1"), "%s", run)
	got = dbsStatuses(run, "h1")
	require.Equal(t, "failed ignored", got["get_url of a missing file"], "%s", run)
	require.Equal(t, "failed ignored", got["uri with an unexpected status"], "%s", run)
	require.Equal(t, "skipping", dbsStatuses(runs[1][2], "h1")["unarchive zip with creates"], "%s", runs[1][2])
	st := state(tools[1])
	for _, want := range []string{
		"dl/file.txt 0640 0:0 file 1 " + fmt.Sprintf("%x", sha256.Sum256([]byte(nmFile))),
		"dl/data.bin 0600 0:0 file",
		"tbz/pkg/bin/run 0750 65534:65534 file",
		"zip/pkg/link.txt 0777 0:0 link a.txt",
		"remote/pkg/etc/app.conf 0640 0:0 file",
	} {
		require.Contains(t, st, want)
	}
	require.NotContains(t, st, "dl/missing.txt")
	require.NotContains(t, st, "dl/badsum.txt")
	require.NotContains(t, st, "url/pkg/etc")
	require.Contains(t, st, "url/pkg/bin/run 0755 0:0 file")
	require.Contains(t, st, "uri/file.txt 0600 0:0 file 1 "+fmt.Sprintf("%x", sha256.Sum256([]byte(nmFile))))
}

// nmSeqPhase runs playbook with each tool in turn on the one host limit:
// reset puts the host's state back, then the tool runs it in check mode
// (which must change nothing), for real and again (changed=0). The two
// tools must agree on each step, and state (with the tool's own names
// made the same) must be the same after each, and so must the diffs
// (--diff) they print.
func nmSeqPhase(t *testing.T, h *hosts, dir, limit string, tools [2]dbsTool, playbook string, state func(tl dbsTool) string, reset func()) {
	t.Helper()
	var runs [2][3]dbsRun
	var states [2][3]string
	for i, tl := range tools {
		if reset != nil {
			reset()
		}
		before := state(tl)
		for m, mode := range []string{"check", "run", "re-run"} {
			r := tl.play(t, h, dir, playbook, mode, limit)
			runs[i][m] = r
			states[i][m] = state(tl)
			switch mode {
			case "check":
				require.Equal(t, before, states[i][m], "%s --check changed the state of %s\n%s", tl.name, playbook, r)
			case "re-run":
				require.Equal(t, "0", r.changed(limit), "%s re-run of %s: changed=\n%s", tl.name, playbook, r)
			}
		}
	}
	for m := range runs[0] {
		dbsAgree(t, runs[0][m], runs[1][m], playbook)
		ad, od := fmDiffs(runs[0][m].out, "ansible"), fmDiffs(runs[1][m].out, "omeprov")
		require.Equal(t, ad, od, "%s, %s: diffs differ\n%s\n%s", playbook, runs[0][m].mode, runs[0][m], runs[1][m])
		if len(od) > 0 {
			t.Logf("%s, %s: diffs agree:\n%s", playbook, runs[0][m].mode, strings.Join(od, "\n"))
		}
		require.Equal(t, states[0][m], states[1][m], "%s after %s: ansible's state and omeprov's differ\n%s\n%s", playbook, runs[0][m].mode, runs[0][m], runs[1][m])
	}
	t.Logf("%s: both tools agree in check, run and re-run; state:\n%s", playbook, states[1][2])
}

// TestNetModulesHost runs testdata/netmods/system.yml (hostname, sysctl)
// and mount.yml (mounted, unmounted, absent) with both tools, one after
// the other, on one nshost host reached as root.
func TestNetModulesHost(t *testing.T) {
	requireAnsible(t)
	nshost.Require(t)
	t.Parallel()
	nh := nshost.Start(t, nshost.Options{Name: "nmhost"})
	t.Logf("nshost started in %s", nh.Startup)
	dir, err := filepath.Abs("testdata/netmods")
	require.NoError(t, err)
	base := t.TempDir()
	inv := filepath.Join(base, "hosts.ini")
	require.NoError(t, os.WriteFile(inv, []byte("[test]\n"+nh.Inventory("ns1")+"\n"), 0o644))
	h := &hosts{inventory: inv, env: nmEnv(t)}

	tools := func(phase string, vars func(name string) map[string]any) [2]dbsTool {
		var out [2]dbsTool
		for i, name := range []string{"ansible", "omeprov"} {
			out[i] = dbsTool{name: name, vars: dbsVars(t, base, name+"-"+phase+".json", vars(name))}
		}
		return out
	}
	sysctlFile := func(tl dbsTool) string { return "/etc/sysctl.d/90-nm-" + tl.name + ".conf" }

	t.Run("hostname-sysctl", func(t *testing.T) {
		orig := nh.MustExec(t, "hostname; sysctl -n net.ipv4.ip_forward net.ipv4.ip_local_port_range")
		reset := func() {
			nh.MustExec(t, "hostname nmhost && echo nmhost >/etc/hostname && sysctl -q -w net.ipv4.ip_forward=0 && sysctl -q -w net.ipv4.ip_local_port_range='32768 60999'")
			require.Equal(t, "nmhost\n0\n32768\t60999\n", nh.MustExec(t, "hostname; sysctl -n net.ipv4.ip_forward net.ipv4.ip_local_port_range"), "host state before a tool's runs (was %q)", orig)
		}
		tl := tools("system", func(name string) map[string]any {
			return map[string]any{"host_name": "nm-renamed", "sysctl_file": "/etc/sysctl.d/90-nm-" + name + ".conf"}
		})
		state := func(tl dbsTool) string {
			return nh.MustExec(t, "hostname; cat /etc/hostname; sysctl -n net.ipv4.ip_forward net.ipv4.ip_local_port_range; echo '--- sysctl_file:'; cat "+sysctlFile(tl)+" 2>&1 | sed 's/"+tl.name+"/TOOL/g'")
		}
		nmSeqPhase(t, h, dir, "ns1", tl, "system.yml", state, reset)
		nmSeqPhase(t, h, dir, "ns1", tl, "sysctl_absent.yml", state, nil)
		require.Contains(t, state(tl[1]), "nmhost\nnm-renamed\n1\n20000\t60999\n--- sysctl_file:\nnet.ipv4.ip_forward=1\n")
		require.NotContains(t, state(tl[1]), "ip_local_port_range=")
		// On Debian without systemd, Ansible's hostname (FileStrategy)
		// writes /etc/hostname alone: the running name stays.
		require.Contains(t, state(tl[1]), "nmhost\nnm-renamed\n1\n20000\t60999\n")
	})

	t.Run("mount", func(t *testing.T) {
		mnt := func(tl dbsTool) string { return "/mnt/nm-" + tl.name }
		fstab := func(tl dbsTool) string { return "/etc/fstab.nm-" + tl.name }
		state := func(tl dbsTool) string {
			out := nh.MustExec(t, fmt.Sprintf("grep ' %[1]s ' /proc/self/mounts; echo '--- fstab:'; cat %[2]s 2>&1; echo '--- dir:'; ls -ld %[1]s 2>&1 | cut -c1-10", mnt(tl), fstab(tl)))
			return strings.ReplaceAll(out, tl.name, "TOOL")
		}
		for i, st := range []string{"mounted", "mounted", "unmounted", "absent"} {
			opts := "size=1m,mode=0755"
			if i > 0 {
				opts = "size=2m,mode=0755"
			}
			tl := tools(fmt.Sprint("mount-", i), func(name string) map[string]any {
				return map[string]any{"mnt": "/mnt/nm-" + name, "fstab": "/etc/fstab.nm-" + name, "mount_state": st, "mount_opts": opts}
			})
			// Ansible's mount creates a missing fstab file even in check
			// mode: the files are made first so that check mode can be
			// compared.
			nmSeqPhase(t, h, dir, "ns1", tl, "mount.yml", state, func() {
				nh.MustExec(t, "touch /etc/fstab.nm-ansible /etc/fstab.nm-omeprov")
			})
			s := state(tl[1])
			switch st {
			case "mounted":
				size := map[bool]string{false: "1024k", true: "2048k"}[i > 0]
				require.Contains(t, s, "tmpfs /mnt/nm-TOOL tmpfs rw,relatime,size="+size+",mode=755 0 0")
				require.Contains(t, s, "tmpfs /mnt/nm-TOOL tmpfs "+opts+" 0 0")
			case "unmounted":
				require.NotContains(t, s, "tmpfs /mnt/nm-TOOL tmpfs rw")
				require.Contains(t, s, "tmpfs /mnt/nm-TOOL tmpfs size=2m,mode=0755 0 0")
			case "absent":
				require.NotContains(t, s, "tmpfs /mnt/nm-TOOL tmpfs")
			}
		}
	})
}
