package modules

// The mount module, as ansible.posix.mount on Linux: fstab lines are
// edited as the module's set_mount/unset_mount do (fields escaped, other
// lines kept byte for byte), mounts are read from /proc/self/mountinfo and
// made with mount -T fstab, umount and mount -o remount.

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/ome/omeprov/connection"
)

func mountSpec() Spec {
	return Spec{
		Params: map[string]Param{
			"boot":   {Type: "bool", Default: true},
			"dump":   {Type: "str", Default: "0"},
			"fstab":  {Type: "str"},
			"fstype": {Type: "str"},
			"path":   {Type: "path", Required: true, Aliases: []string{"name"}},
			"opts":   {Type: "str"},
			"passno": {Type: "str", Default: "0"},
			"src":    {Type: "path"},
			"backup": {Type: "bool", Default: false},
			"state": {Type: "str", Required: true, Choices: []string{"absent", "absent_from_fstab", "mounted", "present",
				"unmounted", "remounted", "ephemeral"}},
		},
		CheckMode: true,
	}
}

func init() { Register("mount", mountSpec(), ModuleFunc(runMount)) }

// escapeFstab is _escape_fstab.
func escapeFstab(v string) string {
	return strings.NewReplacer(`\`, `\134`, " ", `\040`, "&", `\046`).Replace(v)
}

// mountArgs are the module's args dict (name, src, fstype, opts, dump,
// passno, fstab, boot, warnings, backup_file).
type mountArgs struct {
	Name, Src, Fstype, Opts, Dump, Passno, Fstab, Boot string
	HasSrc                                             bool
	Warnings                                           []string
}

func mountArgsFrom(args map[string]any) mountArgs {
	fa := fileArgs(args)
	m := mountArgs{Opts: "defaults", Dump: "0", Passno: "0", Fstab: "/etc/fstab", Boot: "yes", Warnings: []string{}}
	m.Name, _ = fa.str("path")
	if v, ok := fa.str("src"); ok {
		m.Src, m.HasSrc = v, true
	}
	m.Fstype, _ = fa.str("fstype")
	for k, p := range map[string]*string{"passno": &m.Passno, "opts": &m.Opts, "dump": &m.Dump, "fstab": &m.Fstab} {
		if v, ok := fa.str(k); ok {
			*p = v
		}
	}
	opts := strings.Split(m.Opts, ",")
	hasOpt := func(o string) bool {
		for _, x := range opts {
			if x == o {
				return true
			}
		}
		return false
	}
	if hasOpt("noauto") {
		m.Warnings = append(m.Warnings, "Ignore the 'boot' due to 'opts' contains 'noauto'.")
	} else if !fa.boolean("boot", true) {
		m.Boot = "no"
		if hasOpt("defaults") {
			m.Warnings = append(m.Warnings, "Ignore the 'boot' due to 'opts' contains 'defaults'.")
		} else {
			m.Opts += ",noauto"
		}
	}
	return m
}

// setMountLines is _set_mount_save_old over the fstab's content: the new
// content and whether it changed.
func setMountLines(m mountArgs, content string) (string, bool) {
	esc := map[string]string{"src": escapeFstab(m.Src), "name": escapeFstab(m.Name), "fstype": escapeFstab(m.Fstype),
		"opts": escapeFstab(m.Opts), "dump": escapeFstab(m.Dump), "passno": escapeFstab(m.Passno)}
	format := func(ld map[string]string) string {
		return fmt.Sprintf("%s %s %s %s %s %s\n", ld["src"], ld["name"], ld["fstype"], ld["opts"], ld["dump"], ld["passno"])
	}
	var out strings.Builder
	exists, changed := false, false
	for _, line := range fstabLines(content) {
		if !strings.HasSuffix(line, "\n") {
			line += "\n"
		}
		trimmed := strings.TrimSpace(line)
		fields := strings.Fields(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") || len(fields) < 4 || len(fields) > 6 {
			out.WriteString(line)
			continue
		}
		ld := map[string]string{"dump": "0", "passno": "0"}
		for i, l := range []string{"src", "name", "fstype", "opts", "dump", "passno"} {
			if i < len(fields) {
				ld[l] = fields[i]
			}
		}
		if ld["name"] != esc["name"] || (m.HasSrc && ld["name"] == "none" && ld["fstype"] == "swap" && ld["src"] != m.Src) {
			out.WriteString(line)
			continue
		}
		exists = true
		lineChanged := false
		for _, k := range []string{"src", "fstype", "opts", "dump", "passno"} {
			if ld[k] != esc[k] {
				ld[k] = esc[k]
				lineChanged = true
			}
		}
		// The module's changed flag carries over to later lines.
		changed = changed || lineChanged
		if changed {
			out.WriteString(format(ld))
		} else {
			out.WriteString(line)
		}
	}
	if !exists {
		out.WriteString(format(esc))
		changed = true
	}
	return out.String(), changed
}

// unsetMountLines is unset_mount over the fstab's content.
func unsetMountLines(m mountArgs, content string) (string, bool) {
	name := escapeFstab(m.Name)
	var out strings.Builder
	changed := false
	for _, line := range fstabLines(content) {
		trimmed := strings.TrimSpace(line)
		fields := strings.Fields(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") || len(fields) != 6 {
			out.WriteString(line)
			continue
		}
		if fields[1] != name || (m.HasSrc && fields[1] == "none" && fields[2] == "swap" && fields[0] != m.Src) {
			out.WriteString(line)
			continue
		}
		changed = true
	}
	return out.String(), changed
}

func fstabLines(content string) []string {
	var lines []string
	for _, l := range strings.SplitAfter(content, "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// unescapeMountinfo undoes the kernel's octal escapes in mountinfo.
func unescapeMountinfo(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mountedAt tells whether mountinfo lists p as a mount point.
func mountedAt(mountinfo, p string) bool {
	p = path.Clean(p)
	for _, l := range strings.Split(mountinfo, "\n") {
		f := strings.Fields(l)
		if len(f) > 4 && unescapeMountinfo(f[4]) == p {
			return true
		}
	}
	return false
}

func runMount(ctx context.Context, t *Task) (Result, error) {
	fa := fileArgs(t.Args)
	state, _ := fa.str("state")
	m := mountArgsFrom(t.Args)
	if (state == "mounted" || state == "present" || state == "ephemeral") && (!m.HasSrc || m.Fstype == "") {
		var missing []string
		if !m.HasSrc {
			missing = append(missing, "src")
		}
		if m.Fstype == "" {
			missing = append(missing, "fstype")
		}
		return sysFail("state is %s but all of the following are missing: %s", state, strings.Join(missing, ", "))
	}
	if state == "ephemeral" {
		return sysFail("omeprov's mount module does not support state=ephemeral")
	}
	q := connection.Quote
	res, err := t.Exec(ctx, "uname -s; f="+q(m.Fstab)+`; if [ ! -e "$f" ]; then mkdir -p "$(dirname "$f")" && : >> "$f" || exit 1; fi; echo ---; cat -- "$f"; echo ---; cat /proc/self/mountinfo 2>/dev/null`)
	if err != nil {
		return nil, fmt.Errorf("mount: %w", err)
	}
	if res.ExitCode != 0 {
		return sysFail("Failed to open %s due to %s", m.Fstab, strings.TrimSpace(string(res.Stderr)))
	}
	parts := strings.SplitN(string(res.Stdout), "---\n", 3)
	if len(parts) != 3 {
		return nil, fmt.Errorf("mount: unexpected output %q", res.Stdout)
	}
	if strings.TrimSpace(parts[0]) != "Linux" {
		return sysFail("omeprov's mount module supports Linux hosts only")
	}
	fstab, mountinfo := parts[1], parts[2]
	if mountinfo == "" {
		m.Warnings = append(m.Warnings, "Cannot open file /proc/self/mountinfo. Bind mounts might be misinterpreted.")
	}
	backupFile := ""
	writeFstab := func(content string) error {
		if fa.boolean("backup", false) {
			b, err := fsBackup(ctx, t, m.Fstab)
			if err != nil {
				return err
			}
			backupFile = b
		}
		return fsWrite(ctx, t, m.Fstab, []byte(content), "", 0)
	}
	fstabArgs := ""
	if m.Fstab != "/etc/fstab" {
		fstabArgs = " -T " + q(m.Fstab)
	}
	run := func(cmd string) (int, string, error) {
		res, err := t.Exec(ctx, cmd)
		if err != nil {
			return 0, "", fmt.Errorf("mount: %w", err)
		}
		return res.ExitCode, string(res.Stdout) + string(res.Stderr), nil
	}
	doMount := func() (int, string, error) { return run("mount" + fstabArgs + " " + q(m.Name)) }
	doUmount := func() (int, string, error) { return run("umount " + q(m.Name)) }
	remount := func() (int, string, error) {
		opts := "remount"
		if state == "remounted" && m.Opts != "defaults" {
			opts = "remount," + m.Opts
		}
		rc, msg, err := run("mount -o " + q(opts) + fstabArgs + " " + q(m.Name))
		if err != nil || rc == 0 {
			return rc, msg, err
		}
		if state == "remounted" && m.Opts != "defaults" {
			return rc, "Options were specified with remounted, but the remount command failed. Failing in order to prevent an unexpected mount result. Try replacing this command with a \"state: unmounted\" followed by a \"state: mounted\" using the full desired mount options instead.", nil
		}
		if rc, msg, err = doUmount(); err != nil || rc != 0 {
			return rc, msg, err
		}
		return doMount()
	}
	mounted := mountedAt(mountinfo, m.Name)
	changed := false
	switch state {
	case "absent_from_fstab", "absent":
		var content string
		content, changed = unsetMountLines(m, fstab)
		if changed && !t.Check {
			if err := writeFstab(content); err != nil {
				return sysFail("%s", err.Error())
			}
			if state == "absent" {
				if mounted {
					if rc, msg, err := doUmount(); err != nil || rc != 0 {
						if err != nil {
							return nil, err
						}
						return sysFail("Error unmounting %s: %s", m.Name, msg)
					}
				}
				if rc, msg, err := run("if [ -e " + q(m.Name) + " ]; then rmdir -- " + q(m.Name) + "; fi"); err != nil || rc != 0 {
					if err != nil {
						return nil, err
					}
					return sysFail("Error rmdir %s: %s", m.Name, strings.TrimSpace(msg))
				}
			}
		}
	case "unmounted":
		if mounted {
			if !t.Check {
				if rc, msg, err := doUmount(); err != nil || rc != 0 {
					if err != nil {
						return nil, err
					}
					return sysFail("Error unmounting %s: %s", m.Name, msg)
				}
			}
			changed = true
		}
	case "mounted":
		if !t.Check {
			if rc, msg, err := run("mkdir -p -- " + q(m.Name)); err != nil || rc != 0 {
				if err != nil {
					return nil, err
				}
				return sysFail("Error making dir %s: %s", m.Name, strings.TrimSpace(msg))
			}
		}
		var content string
		content, changed = setMountLines(m, fstab)
		if changed && !t.Check {
			if err := writeFstab(content); err != nil {
				return sysFail("%s", err.Error())
			}
		}
		rc, msg := 0, ""
		if mounted {
			if changed && !t.Check {
				if rc, msg, err = remount(); err != nil {
					return nil, err
				}
			}
		} else {
			changed = true
			if !t.Check {
				if rc, msg, err = doMount(); err != nil {
					return nil, err
				}
			}
		}
		if rc != 0 {
			if changed && !t.Check {
				fsWrite(ctx, t, m.Fstab, []byte(fstab), "", 0)
			}
			return sysFail("Error mounting %s: %s", m.Name, msg)
		}
	case "present":
		var content string
		content, changed = setMountLines(m, fstab)
		if changed && !t.Check {
			if err := writeFstab(content); err != nil {
				return sysFail("%s", err.Error())
			}
		}
	case "remounted":
		if !t.Check {
			rc, msg, err := remount()
			if err != nil {
				return nil, err
			}
			if rc != 0 {
				return sysFail("Error remounting %s: %s", m.Name, msg)
			}
		}
		changed = true
	}
	r := Result{"changed": changed, "name": m.Name, "opts": m.Opts, "dump": m.Dump, "passno": m.Passno,
		"fstab": m.Fstab, "boot": m.Boot, "warnings": m.Warnings, "backup_file": backupFile}
	if m.HasSrc {
		r["src"] = m.Src
	}
	if m.Fstype != "" {
		r["fstype"] = m.Fstype
	}
	if len(m.Warnings) == 0 {
		delete(r, "warnings")
	}
	return r, nil
}
