package testroot

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestChrootRunsInsideTheRoot(t *testing.T) {
	root := New(t)
	c := &Chroot{Root: root}
	res, err := c.Exec(context.Background(), "cat /etc/debian_version; dpkg -s dnf >/dev/null && echo has-dnf; exit 3", nil)
	require.NoError(t, err)
	require.Equal(t, 3, res.ExitCode)
	require.Regexp(t, `^12\.`, string(res.Stdout))
	require.Contains(t, string(res.Stdout), "has-dnf")

	require.NoError(t, c.PutFile(context.Background(), "/etc/omeprov-test", strings.NewReader("hello"), nil))
	b, err := c.GetFile(context.Background(), "/etc/omeprov-test", nil)
	require.NoError(t, err)
	require.Equal(t, "hello", string(b))
}
