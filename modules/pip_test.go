package modules

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/connection"
)

func TestRecoverPipNamesAsAnsible(t *testing.T) {
	// the examples of ansible's _recover_package_name docstring
	require.Equal(t, []string{"django>1.11.1,<1.11.3", "ipaddress", "simpleproject>1.1.0,<2.0.0"},
		recoverPipNames([]string{"django>1.11.1", "<1.11.3", "ipaddress", "simpleproject>1.1.0", "<2.0.0"}))
	require.Equal(t, []string{"django>1.11.1,<1.11.3", "ipaddress", "simpleproject>1.1.0,<2.0.0"},
		recoverPipNames([]string{"django>1.11.1,<1.11.3,ipaddress", "simpleproject>1.1.0,<2.0.0"}))
	require.Equal(t, []string{"foo[a,b]>=1", "bar"}, recoverPipNames([]string{"foo[a", "b]>=1", "bar"}))
}

func TestParsePipReq(t *testing.T) {
	r := parsePipReq("Django >= 1.11.1, <1.11.3")
	require.True(t, r.Plain())
	require.Equal(t, "django", r.Name)
	require.Equal(t, "Django<1.11.3,>=1.11.1", r.String(), "specifiers sorted, as packaging prints them")
	require.True(t, r.SatisfiedBy("1.11.2"))
	require.False(t, r.SatisfiedBy("1.11.3"))
	require.True(t, r.HasSpecifier())

	r = parsePipReq("Ome_Pip.Other[extra1, extra2]==0.5; python_version > '3'")
	require.Equal(t, "ome-pip-other", r.Name)
	require.Equal(t, []string{"extra1", "extra2"}, r.Extras)
	require.Equal(t, "Ome_Pip.Other[extra1,extra2]==0.5; python_version > '3'", r.String())
	require.True(t, r.SatisfiedBy("0.5"))
	require.True(t, r.SatisfiedBy("0.5.0"))

	require.True(t, parsePipReq("foo~=1.4").SatisfiedBy("1.9"))
	require.False(t, parsePipReq("foo~=1.4").SatisfiedBy("2.0"))
	require.True(t, parsePipReq("foo==1.*").SatisfiedBy("1.2"))
	require.True(t, parsePipReq("foo>=1.0").SatisfiedBy("2.0rc1"), "pre-releases count, as ansible allows them")
	require.True(t, parsePipReq("foo===1.0-x").SatisfiedBy("1.0-x"))
	require.True(t, parsePipReq("foo").SatisfiedBy("0.0.1"))

	for _, raw := range []string{"git+https://x/y.git#egg=y", "./src/pkg", "/tmp/x.whl", "https://x/y.tar.gz", "x; touch /tmp/pwned", "foo >= bogus!", ""} {
		r := parsePipReq(raw)
		require.False(t, r.Plain(), raw)
		require.Equal(t, raw, r.String())
		require.False(t, r.SatisfiedBy("1.0"))
	}
}

func TestPipRequirements(t *testing.T) {
	reqs, err := pipRequirements(map[string]any{"name": []any{"Foo.Bar", "baz>=1", "<2"}})
	require.NoError(t, err)
	require.Equal(t, []string{"foo-bar", "baz"}, []string{reqs[0].Name, reqs[1].Name})
	require.Equal(t, "baz<2,>=1", reqs[1].String())

	reqs, err = pipRequirements(map[string]any{"name": "foo", "version": "1.0"})
	require.NoError(t, err)
	require.Equal(t, "foo==1.0", reqs[0].String())
	reqs, err = pipRequirements(map[string]any{"name": "foo", "version": ">=1.0"})
	require.NoError(t, err)
	require.Equal(t, "foo>=1.0", reqs[0].String())

	_, err = pipRequirements(map[string]any{"name": []any{"a", "b"}, "version": "1"})
	require.ErrorContains(t, err, "'version' argument is ambiguous")
	_, err = pipRequirements(map[string]any{"name": "a==1", "version": "1"})
	require.ErrorContains(t, err, "conflicts with any version specifier")
	reqs, err = pipRequirements(map[string]any{"requirements": "r.txt"})
	require.NoError(t, err)
	require.Empty(t, reqs)
}

func TestParsePipListRecorded(t *testing.T) {
	out, _, _ := rpmRecorded(t, "pip/list.txt")
	m, err := parsePipList(out)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"omepipdemo": "1.0", "pip": "23.0.1", "setuptools": "66.1.1"}, m)
	m, err = parsePipList(`WARNING: something` + "\n" + `[{"name": "Ome_Pip.Other", "version": "0.5", "editable_project_location": "/src"}]`)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"ome-pip-other": "0.5"}, m)
	_, err = parsePipList("Traceback ...")
	require.Error(t, err)
	_, err = parsePipList("[{")
	require.Error(t, err)
}

func TestPipDecisions(t *testing.T) {
	installed := map[string]string{"omepipdemo": "1.0", "pip": "23.0.1"}
	req := func(s ...string) []pipReq {
		var out []pipReq
		for _, x := range s {
			out = append(out, parsePipReq(x))
		}
		return out
	}
	require.False(t, pipNeedsRun("present", req("omepipdemo", "OmePipDemo==1.0", "pip>=20"), installed, nil))
	require.True(t, pipNeedsRun("present", req("omepipdemo==2.0"), installed, nil))
	require.True(t, pipNeedsRun("present", req("other"), installed, nil))
	require.True(t, pipNeedsRun("present", req("./src"), installed, nil))
	require.True(t, pipNeedsRun("present", req("omepipdemo"), installed, []string{"--upgrade"}))
	require.False(t, pipNeedsRun("present", req("omepipdemo"), installed, []string{"--no-index", "--find-links", "/x"}))
	require.True(t, pipNeedsRun("latest", req("omepipdemo"), installed, nil))
	require.True(t, pipNeedsRun("forcereinstall", req("omepipdemo"), installed, nil))
	require.True(t, pipNeedsRun("absent", req("omepipdemo"), installed, nil))
	require.False(t, pipNeedsRun("absent", req("other"), installed, nil))
	require.True(t, pipNeedsRun("present", nil, installed, nil), "a requirements file always runs")

	// check mode is as coarse as ansible's
	require.True(t, pipCheckChanged("present", req("omepipdemo"), installed, "--no-index", ""))
	require.True(t, pipCheckChanged("latest", req("omepipdemo"), installed, "", ""))
	require.False(t, pipCheckChanged("present", req("omepipdemo"), installed, "", ""))
	require.True(t, pipCheckChanged("present", req("omepipdemo==2"), installed, "", ""))
	require.False(t, pipCheckChanged("absent", req("other"), installed, "", ""))
	require.True(t, pipCheckChanged("absent", req("omepipdemo"), installed, "", ""))
}

func TestPipShlex(t *testing.T) {
	w, err := pipShlex(`python3 -m venv --prompt "my env" 'a b' c\ d`)
	require.NoError(t, err)
	require.Equal(t, []string{"python3", "-m", "venv", "--prompt", "my env", "a b", "c d"}, w)
	_, err = pipShlex(`"open`)
	require.Error(t, err)
	_, err = pipShlex(`'open`)
	require.Error(t, err)
}

func TestParsePipArgs(t *testing.T) {
	p, err := parsePipArgs(map[string]any{"name": "foo", "virtualenv": "venv", "chdir": "/srv", "umask": "0022", "editable": true, "extra_args": "--no-index"})
	require.NoError(t, err)
	require.Equal(t, "/srv/venv", p.Env)
	require.Equal(t, "0022", p.Umask)
	require.Equal(t, []string{"--no-index", "-e"}, p.Extra)
	_, err = parsePipArgs(map[string]any{"name": "foo", "umask": "bad"})
	require.ErrorContains(t, err, "umask must be an octal integer")
	_, err = parsePipArgs(map[string]any{"name": "foo", "version": "1", "state": "latest"})
	require.ErrorContains(t, err, "version is incompatible with state=latest")

	p, _ = parsePipArgs(map[string]any{"name": []any{"x; rm -rf /", "foo"}, "state": "absent"})
	shell, words := p.pipCommand("/v/bin/pip3")
	require.Equal(t, "/v/bin/pip3 uninstall -y 'x; rm -rf /' foo", shell)
	require.Equal(t, []string{"uninstall", "-y", "x; rm -rf /", "foo"}, words)

	p, _ = parsePipArgs(map[string]any{"requirements": "~/req s.txt"})
	shell, _ = p.pipCommand("pip")
	require.Equal(t, "pip install -r ~/'req s.txt'", shell)

	p, _ = parsePipArgs(map[string]any{"name": "foo", "virtualenv": "/v", "virtualenv_command": "python3 -m venv", "virtualenv_site_packages": true})
	cmd, err := p.venvCommand()
	require.NoError(t, err)
	require.Equal(t, "python3 -m venv --system-site-packages /v", cmd)
	p, _ = parsePipArgs(map[string]any{"name": "foo", "virtualenv": "/v", "virtualenv_command": "python3 -m venv", "virtualenv_python": "python3.9"})
	_, err = p.venvCommand()
	require.ErrorContains(t, err, "virtualenv_python should not be used")
	p, _ = parsePipArgs(map[string]any{"name": "foo", "virtualenv": "/v", "virtualenv_python": "python3.9"})
	cmd, _ = p.venvCommand()
	require.Equal(t, "virtualenv -ppython3.9 /v", cmd)
}

// pipFakeConn answers pip's probes like a host with a virtualenv.
type pipFakeConn struct {
	dnfFakeConn
	venv  bool
	calls []string
	list  []string
}

func (c *pipFakeConn) Exec(ctx context.Context, cmd string, opts *connection.ExecOptions) (*connection.Result, error) {
	c.calls = append(c.calls, cmd)
	switch {
	case strings.Contains(cmd, "bin/activate"):
		if c.venv {
			return &connection.Result{}, nil
		}
		return &connection.Result{ExitCode: 1}, nil
	case strings.Contains(cmd, "-m venv"):
		c.venv = true
		return &connection.Result{}, nil
	case strings.Contains(cmd, "for b in pip3 pip"):
		return &connection.Result{Stdout: []byte("pip=/v/bin/pip3\n")}, nil
	case strings.Contains(cmd, " list --format=json"):
		out := c.list[0]
		if len(c.list) > 1 {
			c.list = c.list[1:]
		}
		return &connection.Result{Stdout: []byte(out)}, nil
	case strings.Contains(cmd, " install "):
		return &connection.Result{Stdout: []byte("Successfully installed omepipdemo-1.0\n")}, nil
	}
	return nil, rpmErrUnexpected(cmd)
}

func TestRunPipWithFakeHost(t *testing.T) {
	ctx := context.Background()
	args := map[string]any{"name": "omepipdemo==1.0", "virtualenv": "/v", "virtualenv_command": "python3 -m venv", "state": "present"}
	c := &pipFakeConn{list: []string{`[]`}}
	res, err := runPip(ctx, &Task{Args: args, Conn: c, Check: true})
	require.NoError(t, err)
	require.Equal(t, Result{"changed": true}, res, "no virtualenv in check mode: changed, as ansible")
	require.False(t, c.venv)

	c = &pipFakeConn{list: []string{`[]`, `[{"name":"omepipdemo","version":"1.0"}]`}}
	res, err = runPip(ctx, &Task{Args: args, Conn: c, Diff: true})
	require.NoError(t, err)
	require.True(t, res.Changed())
	require.Equal(t, []string{"/v/bin/pip3", "install", "omepipdemo==1.0"}, res["cmd"])
	require.Equal(t, "+ omepipdemo==1.0\n", res["diff"].(Diff).Prepared)
	require.True(t, strings.HasPrefix(c.calls[1], `cd "${TMPDIR:-/tmp}" && python3 -m venv /v`), c.calls[1])

	c = &pipFakeConn{venv: true, list: []string{`[{"name":"omepipdemo","version":"1.0"}]`}}
	res, err = runPip(ctx, &Task{Args: args, Conn: c})
	require.NoError(t, err)
	require.False(t, res.Changed(), "%v", res)
	for _, call := range c.calls {
		require.NotContains(t, call, " install ", "pip is not run when nothing is to be done")
	}

	res, err = runPip(ctx, &Task{Args: map[string]any{"state": "present"}, Conn: c})
	require.NoError(t, err)
	require.True(t, res.Failed())
}
