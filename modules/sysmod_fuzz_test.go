package modules

// Fuzz tests: the system modules' parsers never panic on what a host
// might print.

import "testing"

func FuzzSystemParsers(f *testing.F) {
	f.Add("OS linux\nP a:x:1:1::/:/bin/sh\nS a:x:1:0:1:1:::\nG g:x:1:a,b\n")
	f.Add("RC 0\nW 200 0 http://x\nH HTTP/1.1 200 OK\nH A: b\nBODY\nx")
	f.Add("ExecStart={ a\nb }\nLoadState=loaded\n")
	f.Add("/dev/a /b ext4 defaults 0 0\n#c\n\nx\n")
	f.Add("uname Linux\nid debian\nfile x\n")
	f.Fuzz(func(t *testing.T, s string) {
		parseAccounts("a", s)
		parseHTTPOutput([]byte(s), "http://x/")
		ParseSystemctlShow(s)
		m := mountArgsFrom(map[string]any{"path": "/b", "src": "/dev/a", "fstype": "ext4"})
		setMountLines(m, s)
		unsetMountLines(m, s)
		mountedAt(s, "/b")
		planSysctl("a.b", "1", "present", true, true, &s, s)
		c := newUserCrontab("", s)
		c.findJob("x", "* * * * * y")
		c.updateJob("x", "z", false)
		c.findEnv("X")
		c.render()
		f := parseHostnameProbe(s)
		if st, err := hostnameStrategy("", f); err == nil {
			hostnamePlan(st, "h", f)
		}
		sysvStatusGuess("x", 1, s)
		darwinScrub(s)
		unescapeMountinfo(s)
		getURLChecksum(s)
		unarchiveHandler(s)
	})
}
