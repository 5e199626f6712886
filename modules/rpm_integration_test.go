package modules_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/internal/rpmhost"
	"github.com/ome/omeprov/internal/testroot"
)

// The test keys: testdata/rpm/key{1,2}.asc; their ids as gpg printed
// them (testdata/rpm/gpg-colons.txt).
const (
	rpmITKey1ID  = "5092E1688849E757"
	rpmITKey2FPR = "6B6D3A2F667A39224530FDECF03979DF9BE737B1"
)

func rpmITRoot(t *testing.T) (string, *testroot.Chroot) {
	t.Helper()
	dir, conn := dnfITRoot(t)
	for _, k := range []string{"key1.asc", "key2.asc"} {
		b, err := os.ReadFile(filepath.Join("testdata/rpm", k))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "tmp", k), b, 0o644))
	}
	return dir, conn
}

func rpmITKeys(t *testing.T, conn *testroot.Chroot) string {
	t.Helper()
	res, err := conn.Exec(context.Background(), "rpm -q gpg-pubkey --qf '%{VERSION}-%{RELEASE}\\n' 2>/dev/null | sort", nil)
	require.NoError(t, err)
	return strings.TrimSpace(string(res.Stdout))
}

// rpmITKeySteps and rpmITRepoSteps are run by omeprov on one root and by
// ansible-playbook in another.
var rpmITKeySteps = []struct {
	args  map[string]any
	check bool
}{
	{map[string]any{"key": "/tmp/key1.asc"}, true},
	{map[string]any{"key": "/tmp/key1.asc"}, false},
	{map[string]any{"key": "/tmp/key1.asc"}, false},
	{map[string]any{"key": "/tmp/key2.asc", "fingerprint": "0000 1111"}, false},
	{map[string]any{"key": "/tmp/key2.asc", "fingerprint": "6B6D 3A2F 667A 3922 4530  FDEC F039 79DF 9BE7 37B1"}, false},
	{map[string]any{"key": "0x" + rpmITKey1ID[8:], "state": "absent"}, true},
	{map[string]any{"key": "0x" + rpmITKey1ID[8:], "state": "absent"}, false},
	{map[string]any{"key": "0x" + rpmITKey1ID[8:], "state": "absent"}, false},
	{map[string]any{"key": strings.ToLower(rpmITKey2FPR[24:]), "state": "absent"}, false},
	{map[string]any{"key": "/tmp/key2.asc", "state": "absent"}, false},
	{map[string]any{"key": rpmITKey1ID}, false},
	{map[string]any{"key": "/tmp/nosuch.asc"}, false},
}

func TestRPMKeyIntegration(t *testing.T) {
	_, conn := rpmITRoot(t)
	base := rpmITKeys(t, conn)
	var keys []string
	for i, s := range rpmITKeySteps {
		res := dnfITRun(t, conn, "rpm_key", s.check, s.args)
		keys = append(keys, rpmITKeys(t, conn))
		switch i {
		case 0:
			require.True(t, res.Changed(), "%v", res)
			require.Equal(t, base, keys[i], "check mode imports nothing")
		case 1, 4, 6, 8:
			require.True(t, res.Changed(), "step %d: %v", i, res)
			require.False(t, res.Failed(), "step %d: %v", i, res)
		case 2, 7, 9:
			require.False(t, res.Changed(), "step %d: %v", i, res)
			require.False(t, res.Failed(), "step %d: %v", i, res)
		case 3:
			require.True(t, res.Failed(), "%v", res)
			require.Contains(t, res["msg"], "does not match the key fingerprint '"+rpmITKey2FPR+"'")
		case 10:
			require.Equal(t, "When importing a key, a valid file must be given", res["msg"])
		case 11:
			require.Equal(t, "Not a valid key /tmp/nosuch.asc", res["msg"])
		}
	}
	require.Contains(t, keys[1], strings.ToLower(rpmITKey1ID[8:]))
	require.Equal(t, keys[4], keys[5], "check mode removes nothing")
	require.Equal(t, base, keys[len(keys)-1])

	// a key by URL, fetched by the host from a server on loopback
	key, err := os.ReadFile("testdata/rpm/key1.asc")
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/key.asc" {
			w.Write(key)
			return
		}
		if r.URL.Path == "/notakey" {
			w.Write([]byte("hello"))
			return
		}
		http.NotFound(w, r)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String()
	res := dnfITRun(t, conn, "rpm_key", false, map[string]any{"key": url + "/key.asc"})
	require.True(t, res.Changed(), "%v", res)
	res = dnfITRun(t, conn, "rpm_key", false, map[string]any{"key": url + "/key.asc"})
	require.False(t, res.Changed(), "%v", res)
	res = dnfITRun(t, conn, "rpm_key", false, map[string]any{"key": url + "/notakey"})
	require.Equal(t, "Not a public key: "+url+"/notakey", res["msg"])
	res = dnfITRun(t, conn, "rpm_key", false, map[string]any{"key": url + "/missing"})
	require.True(t, res.Failed(), "%v", res)
	require.Contains(t, res["msg"], "failed to fetch key at "+url+"/missing")
}

var rpmITRepoSteps = []struct {
	args  map[string]any
	check bool
}{
	{map[string]any{"name": "epel", "description": "EPEL YUM repo", "baseurl": []any{"https://a.example/el9/", "https://b.example/el9/"},
		"gpgkey": "https://a.example/RPM-GPG-KEY", "gpgcheck": true, "enabled": false, "exclude": []any{"kernel*", "foo"}}, true},
	{map[string]any{"name": "epel", "description": "EPEL YUM repo", "baseurl": []any{"https://a.example/el9/", "https://b.example/el9/"},
		"gpgkey": "https://a.example/RPM-GPG-KEY", "gpgcheck": true, "enabled": false, "exclude": []any{"kernel*", "foo"}}, false},
	{map[string]any{"name": "epel", "description": "EPEL YUM repo", "baseurl": []any{"https://a.example/el9/", "https://b.example/el9/"},
		"gpgkey": "https://a.example/RPM-GPG-KEY", "gpgcheck": true, "enabled": false, "exclude": []any{"kernel*", "foo"}}, false},
	{map[string]any{"name": "epel-testing", "file": "epel", "description": "EPEL testing", "mirrorlist": "https://m.example/?repo=testing&arch=$basearch",
		"skip_if_unavailable": true, "priority": "10", "ip_resolve": "4"}, false},
	{map[string]any{"name": "epel", "description": "EPEL YUM repo", "baseurl": "https://a.example/el9/", "enabled": true, "mode": "0600"}, false},
	{map[string]any{"name": "epel", "description": "EPEL YUM repo", "baseurl": "https://a.example/el9/", "enabled": true, "mode": "0600"}, false},
	{map[string]any{"name": "epel", "state": "absent"}, true},
	{map[string]any{"name": "epel", "state": "absent"}, false},
	{map[string]any{"name": "epel-testing", "file": "epel", "state": "absent"}, false},
	{map[string]any{"name": "epel-testing", "file": "epel", "state": "absent"}, false},
	{map[string]any{"name": "crb", "baseurl": "https://a.example/"}, false},
	{map[string]any{"name": "crb", "description": "CRB"}, false},
	{map[string]any{"name": "crb", "description": "CRB", "baseurl": "https://a.example/", "reposdir": "/nonexistent"}, false},
}

const rpmITRepoFile = "etc/yum.repos.d/epel.repo"

func rpmITFile(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, rpmITRepoFile))
	if err != nil {
		return "<absent>"
	}
	fi, _ := os.Stat(filepath.Join(dir, rpmITRepoFile))
	return fmt.Sprintf("%04o\n%s", fi.Mode().Perm(), b)
}

// TestYumRepositoryIntegrationAgreesWithAnsible runs the same tasks
// through omeprov on one root and ansible-core's yum_repository (-c local)
// in a second root, and compares changed, failed, msg, the diff and the
// repo file (content and mode) after every task.
func TestYumRepositoryIntegrationAgreesWithAnsible(t *testing.T) {
	dir, conn := rpmITRoot(t)
	var files []string
	for _, s := range rpmITRepoSteps {
		dnfITRun(t, conn, "yum_repository", s.check, s.args)
		files = append(files, rpmITFile(dir))
	}
	// what omeprov did, checked on its own
	require.Equal(t, "<absent>", files[0], "check mode writes nothing")
	require.Equal(t, "0644\n[epel]\nbaseurl = https://a.example/el9/\n\thttps://b.example/el9/\nenabled = 0\nexclude = kernel* foo\n"+
		"gpgcheck = 1\ngpgkey = https://a.example/RPM-GPG-KEY\nname = EPEL YUM repo\n\n", files[1])
	require.Equal(t, files[1], files[2])
	require.True(t, strings.HasPrefix(files[4], "0600\n[epel-testing]\n"), files[4])
	require.Equal(t, "<absent>", files[8], "the last section removed removes the file")

	rpmhost.NeedAnsible(t)
	adir, _ := rpmITRoot(t)
	var play strings.Builder
	play.WriteString("- hosts: localhost\n  gather_facts: false\n  tasks:\n")
	for i, s := range rpmITRepoSteps {
		args, err := json.Marshal(s.args)
		require.NoError(t, err)
		fmt.Fprintf(&play, "    - name: step%d\n      yum_repository: %s\n      check_mode: %v\n      ignore_errors: true\n      diff: true\n", i, args, s.check)
		fmt.Fprintf(&play, "    - shell: if [ -f /%s ]; then stat -c %%a /%s | sed 's/^/0/'; cat /%s; else echo '<absent>'; fi\n", rpmITRepoFile, rpmITRepoFile, rpmITRepoFile)
	}
	out, _, err := rpmhost.RunAnsible(context.Background(), adir, play.String())
	require.NoError(t, err)
	ansible := dnfITAnsibleResults(t, out)
	require.Len(t, ansible, 2*len(rpmITRepoSteps), out)

	_, conn2 := rpmITRoot(t) // a fresh root to replay omeprov's results
	dir2 := conn2.Root
	for i, s := range rpmITRepoSteps {
		ours := dnfITRun(t, conn2, "yum_repository", s.check, s.args)
		theirs := ansible[2*i]
		desc := fmt.Sprintf("step %d %v check=%v\nomeprov: %v\nansible: %v", i, s.args, s.check, ours, theirs)
		t.Log(desc)
		require.Equal(t, theirs["changed"], ours.Changed(), desc)
		require.Equal(t, theirs["failed"] == true, ours.Failed(), desc)
		if ours.Failed() {
			require.Equal(t, theirs["msg"], ours["msg"], desc)
		} else {
			d, _ := json.Marshal(ours["diff"])
			var dm map[string]any
			require.NoError(t, json.Unmarshal(d, &dm))
			td := theirs["diff"].(map[string]any)
			for _, k := range []string{"before", "after", "before_header", "after_header"} {
				require.Equal(t, td[k], dm[k], "%s: %s", k, desc)
			}
			require.Equal(t, theirs["repo"], ours["repo"], desc)
		}
		content := strings.TrimRight(ansible[2*i+1]["stdout"].(string), "\n")
		require.Equal(t, content, strings.TrimRight(rpmITFile(dir2), "\n"), desc)
	}
}

// TestRPMKeyIntegrationAgreesWithAnsible compares changed and failed and
// the keys rpm holds after each rpm_key task with ansible-core's rpm_key.
func TestRPMKeyIntegrationAgreesWithAnsible(t *testing.T) {
	rpmhost.NeedAnsible(t)
	_, conn := rpmITRoot(t)
	adir, _ := rpmITRoot(t)
	var play strings.Builder
	play.WriteString("- hosts: localhost\n  gather_facts: false\n  tasks:\n")
	for i, s := range rpmITKeySteps {
		args, err := json.Marshal(s.args)
		require.NoError(t, err)
		fmt.Fprintf(&play, "    - name: step%d\n      rpm_key: %s\n      check_mode: %v\n      ignore_errors: true\n", i, args, s.check)
		play.WriteString("    - shell: rpm -q gpg-pubkey --qf '%{VERSION}-%{RELEASE}\\n' 2>/dev/null | sort\n")
	}
	out, _, err := rpmhost.RunAnsible(context.Background(), adir, play.String())
	require.NoError(t, err)
	ansible := dnfITAnsibleResults(t, out)
	require.Len(t, ansible, 2*len(rpmITKeySteps), out)
	for i, s := range rpmITKeySteps {
		ours := dnfITRun(t, conn, "rpm_key", s.check, s.args)
		theirs := ansible[2*i]
		desc := fmt.Sprintf("step %d %v check=%v\nomeprov: %v\nansible: %v", i, s.args, s.check, ours, theirs)
		t.Log(desc)
		require.Equal(t, theirs["changed"], ours.Changed(), desc)
		require.Equal(t, theirs["failed"] == true, ours.Failed(), desc)
		if ours.Failed() && !strings.Contains(fmt.Sprint(ours["msg"]), "Unexpected") {
			require.Equal(t, theirs["msg"], ours["msg"], desc)
		}
		require.Equal(t, strings.TrimSpace(ansible[2*i+1]["stdout"].(string)), rpmITKeys(t, conn), desc)
	}
}
