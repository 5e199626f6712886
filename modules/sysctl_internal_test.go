package modules

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPlanSysctl(t *testing.T) {
	one, two := "1\n", "2\n"
	file := "# comment\n; other\nvm.swappiness = 10\n\nnet.ipv4.ip_forward=0\nnet.ipv4.ip_forward = 1\nnot a setting\n"
	p := planSysctl("net.ipv4.ip_forward", "1", "present", true, false, &one, file)
	require.False(t, p.Changed, "the last value in the file counts, and the kernel agrees")
	require.Equal(t, "# comment\n; other\nvm.swappiness=10\n\nnet.ipv4.ip_forward=1\nnot a setting\n", p.Content)
	p = planSysctl("net.ipv4.ip_forward", "1", "present", true, false, &two, file)
	require.True(t, p.Changed, "reload: the kernel differs")
	require.False(t, p.WriteFile)
	p = planSysctl("net.ipv4.ip_forward", "1", "present", false, false, &two, file)
	require.False(t, p.Changed, "without reload the kernel is not looked at")
	p = planSysctl("net.ipv4.ip_forward", "1", "present", false, true, &two, file)
	require.True(t, p.SetProc)
	p = planSysctl("kernel.pid_max", "65536", "present", true, false, nil, "")
	require.True(t, p.WriteFile)
	require.Equal(t, "kernel.pid_max=65536\n", p.Content)
	p = planSysctl("vm.swappiness", "", "absent", true, false, nil, file)
	require.True(t, p.Changed)
	require.NotContains(t, p.Content, "swappiness")
	p = planSysctl("vm.nosuch", "", "absent", true, false, nil, file)
	require.False(t, p.Changed)

	require.Equal(t, "1", sysctlValue("yes"))
	require.Equal(t, "0", sysctlValue("False"))
	require.Equal(t, "a  b", sysctlValue(" a  b "))
	v := "4096\t87380   6291456\n"
	require.True(t, sysctlEqual(&v, "4096 87380 6291456"))
	require.False(t, sysctlEqual(&v, "4096 87380"))
	require.False(t, sysctlEqual(nil, ""))
	require.Equal(t, "sysctl -e -w 'k=a b'", sysctlSetCommand("k", "a b", true))
}

func TestSysctlOnFake(t *testing.T) {
	f := newFake(&fakeReply{Match: `sysctl -e -n vm.swappiness$`, Stdout: "60\n"}, &fakeReply{Match: `^if \[ -f /etc/sysctl.conf \]`, Stdout: "vm.swappiness=60\n"})
	v, err := Validate("sysctl", sysctlSpec(), map[string]any{"name": "vm.swappiness", "value": 10})
	require.NoError(t, err)
	task := fakeTask(f, "sysctl", v, true)
	task.Diff = true
	r, err := runSysctl(context.Background(), task)
	require.NoError(t, err)
	require.True(t, r.Changed())
	require.NotContains(t, r, "diff", "as ansible.posix.sysctl, no diff")
	require.Len(t, f.commands(), 2, "check mode only reads")
	for _, args := range []map[string]any{{"name": "x"}, {"name": "", "value": "1"}, {"name": "x", "value": ""}} {
		v, _ := Validate("sysctl", sysctlSpec(), args)
		r, err := runSysctl(context.Background(), fakeTask(f, "sysctl", v, false))
		require.NoError(t, err)
		require.True(t, r.Failed(), "%v", args)
	}
}
