package connection

import (
	"testing"

	"github.com/ome/omeprov/internal/sshdtest"
	"github.com/stretchr/testify/require"
)

func TestSmoke(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	c := dial(t, testParams(t, s))
	r := exec1(t, c, "echo hi; echo err >&2; exit 3", nil)
	require.Equal(t, "hi\n", string(r.Stdout))
	require.Equal(t, "err\n", string(r.Stderr))
	require.Equal(t, 3, r.ExitCode)
	u := sshdtest.NewUser(t, sshdtest.SudoPassword, s.PublicKey)
	p := testParams(t, s)
	p.User = u.Name
	c2 := dial(t, p)
	r = exec1(t, c2, "id -un; cat", &ExecOptions{Become: &Become{Password: u.Password}, Stdin: stringsReader("in\n")})
	t.Logf("%q %q %d", r.Stdout, r.Stderr, r.ExitCode)
	_, err := c2.Exec(ctx(t), "id -un", &ExecOptions{Become: &Become{Password: "wrong"}})
	t.Log(err)
	_, err = c2.Exec(ctx(t), "id -un", &ExecOptions{Become: &Become{}})
	t.Log(err)
}
