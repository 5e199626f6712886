package modules

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

func statSpec() Spec {
	return Spec{
		Params: map[string]Param{
			"path":           {Type: "path", Required: true, Aliases: []string{"dest", "name"}},
			"follow":         {Type: "bool", Default: false},
			"get_md5":        {Type: "bool", Default: false},
			"get_checksum":   {Type: "bool", Default: true},
			"get_mime":       {Type: "bool", Default: true, Aliases: []string{"mime", "mime_type", "mime-type"}},
			"get_attributes": {Type: "bool", Default: true, Aliases: []string{"attr", "attributes"}},
			"checksum_algorithm": {Type: "str", Default: "sha1",
				Choices: []string{"md5", "sha1", "sha224", "sha256", "sha384", "sha512"},
				Aliases: []string{"checksum", "checksum_algo"}},
		},
		CheckMode: true,
	}
}

func init() { Register("stat", statSpec(), ModuleFunc(runStat)) }

// statOptions are stat's validated arguments.
type statOptions struct {
	Path          string
	Follow        bool
	GetMD5        bool
	GetChecksum   bool
	GetMime       bool
	GetAttributes bool
	Algorithm     string
}

func statOptionsFrom(args map[string]any) statOptions {
	b := func(k string, def bool) bool {
		if v, ok := args[k].(bool); ok {
			return v
		}
		return def
	}
	o := statOptions{
		Follow: b("follow", false), GetMD5: b("get_md5", false), GetChecksum: b("get_checksum", true),
		GetMime: b("get_mime", true), GetAttributes: b("get_attributes", true), Algorithm: "sha1",
	}
	o.Path, _ = args["path"].(string)
	if a, ok := args["checksum_algorithm"].(string); ok && a != "" {
		o.Algorithm = a
	}
	return o
}

// digestCommands lists, per algorithm, shell commands that print the
// digest of "$p" as the first word, tried in order (GNU coreutils, Perl's
// shasum on macOS and BSD, then OpenSSL).
var digestCommands = map[string][]string{
	"md5":    {`md5sum < "$p"`, `md5 -q "$p"`, `openssl dgst -md5 -r < "$p"`},
	"sha1":   {`sha1sum < "$p"`, `shasum -a 1 < "$p"`, `openssl dgst -sha1 -r < "$p"`},
	"sha224": {`sha224sum < "$p"`, `shasum -a 224 < "$p"`, `openssl dgst -sha224 -r < "$p"`},
	"sha256": {`sha256sum < "$p"`, `shasum -a 256 < "$p"`, `openssl dgst -sha256 -r < "$p"`},
	"sha384": {`sha384sum < "$p"`, `shasum -a 384 < "$p"`, `openssl dgst -sha384 -r < "$p"`},
	"sha512": {`sha512sum < "$p"`, `shasum -a 512 < "$p"`, `openssl dgst -sha512 -r < "$p"`},
}

// The stat formats: GNU coreutils and BusyBox (stat -c), BSD and macOS
// (stat -f). Fields are separated by '|' and the user and group names
// come last but two, since they are the only free text.
const (
	gnuStatFormat = `%f|%u|%g|%s|%i|%d|%h|%X|%Y|%Z|%b|%o|%t|%T|%x|%y|%z|%U|%G`
	bsdStatFormat = `%Xp|%u|%g|%z|%i|%d|%l|%Fa|%Fm|%Fc|%b|%k|%Hr|%Lr|%f|%v|%FB|%Su|%Sg`
	// bsdStatFormatInt is for a stat(1) without the F (float) form:
	// whole seconds only.
	bsdStatFormatInt = `%Xp|%u|%g|%z|%i|%d|%l|%a|%m|%c|%b|%k|%Hr|%Lr|%f|%v|%B|%Su|%Sg`
)

// statModScript is the one shell script stat runs on the host. Free text
// that may hold any byte (link targets, file(1) output) is sent as hex.
func statModScript(o statOptions) string {
	var b strings.Builder
	follow := ""
	followFlag := "0"
	if o.Follow {
		follow, followFlag = "-L ", "1"
	}
	fmt.Fprintf(&b, "LC_ALL=C; export LC_ALL\np=%s\n", QuotePath(o.Path))
	b.WriteString("omeprov_hex() { od -An -v -tx1 | tr -d ' \\n'; }\n")
	if o.Follow {
		// BSD stat -L falls back to lstat for a dangling link; Python's
		// os.stat does not.
		b.WriteString("if [ -L \"$p\" ] && [ ! -e \"$p\" ]; then echo \"stat: $p: No such file or directory\" >&2; exit 3; fi\n")
	}
	// GNU stat first, without a probe: a process costs milliseconds. Only
	// when it fails is it asked whether it is GNU's (then the failure is
	// the path's, and is printed again) or BSD's.
	fmt.Fprintf(&b, "if out=$(stat %s-c '%s' -- \"$p\" 2>/dev/null); then echo flavour=gnu\n", follow, gnuStatFormat)
	fmt.Fprintf(&b, "elif stat -c %%n / >/dev/null 2>&1; then stat %s-c %%n -- \"$p\" >/dev/null; exit 3\n", follow)
	fmt.Fprintf(&b, "else echo flavour=bsd; f='%s'; stat -f %%Fm / >/dev/null 2>&1 || f='%s'\n", bsdStatFormat, bsdStatFormatInt)
	fmt.Fprintf(&b, "  out=$(stat %s-f \"$f\" -- \"$p\") || exit 3; fi\n", follow)
	b.WriteString("printf 'stat=%s\\n' \"$out\"\n")
	// The path as the host's shell expanded it (~), as Ansible reports it.
	if strings.HasPrefix(o.Path, "~") {
		b.WriteString("printf 'xpath='; printf '%s' \"$p\" | omeprov_hex; echo\n")
	}
	b.WriteString("[ -r \"$p\" ] && echo readable=1\n[ -w \"$p\" ] && echo writeable=1\n[ -x \"$p\" ] && echo executable=1\n")
	b.WriteString("if [ -L \"$p\" ]; then printf 'lnk_target='; readlink -- \"$p\" | omeprov_hex; echo\n")
	b.WriteString("  printf 'lnk_source='; { readlink -f -- \"$p\" 2>/dev/null || realpath -- \"$p\" 2>/dev/null; } | omeprov_hex; echo; fi\n")
	fmt.Fprintf(&b, "if [ -f \"$p\" ] && [ -r \"$p\" ] && { [ %s = 1 ] || [ ! -L \"$p\" ]; }; then :\n", followFlag)
	sums := []struct{ key, algo string }{}
	if o.GetMD5 {
		sums = append(sums, struct{ key, algo string }{"md5", "md5"})
	}
	if o.GetChecksum {
		sums = append(sums, struct{ key, algo string }{"checksum", o.Algorithm})
	}
	for _, s := range sums {
		cmds := digestCommands[s.algo]
		fmt.Fprintf(&b, "  ck=$( { %s; } 2>/dev/null ) && [ -n \"$ck\" ] && echo %s=\"${ck%%%% *}\" || echo %s=fail\n",
			strings.Join(cmds, " || "), s.key, s.key)
	}
	b.WriteString("fi\n")
	if o.GetMime {
		// -b: without the path, the answer is one line ("text/plain;
		// charset=us-ascii") that needs no encoding.
		b.WriteString("if command -v file >/dev/null 2>&1; then mo=$(file -b --mime-type --mime-encoding -- \"$p\" 2>/dev/null) && printf 'mimeb=%s\\n' \"$mo\"; fi\n")
	}
	if o.GetAttributes {
		// lsattr prints "VERSION FLAGS PATH": the path (which may hold
		// anything, line breaks too) is cut off in the shell.
		b.WriteString("if command -v lsattr >/dev/null 2>&1; then la=$(lsattr -vd -- \"$p\" 2>/dev/null) && printf 'lsattrb=%s\\n' \"${la%\" $p\"}\"; fi\n")
	}
	b.WriteString("exit 0\n")
	return b.String()
}

// statAttrNames are lsattr's flags, as Ansible names them.
var statAttrNames = map[rune]string{
	'A': "noatime", 'a': "append", 'c': "compressed", 'C': "nocow", 'd': "nodump",
	'D': "dirsync", 'e': "extents", 'E': "encrypted", 'h': "blocksize", 'i': "immutable",
	'I': "indexed", 'j': "journalled", 'N': "inline", 's': "zero", 'S': "synchronous",
	't': "notail", 'T': "blockroot", 'u': "undelete", 'X': "compressedraw", 'Z': "compresseddirty",
}

// Mode bits, as in Python's stat module.
const (
	statIFMT   = 0o170000
	statIFSOCK = 0o140000
	statIFLNK  = 0o120000
	statIFREG  = 0o100000
	statIFBLK  = 0o060000
	statIFDIR  = 0o040000
	statIFCHR  = 0o020000
	statIFIFO  = 0o010000
)

// statModParse turns statModScript's output into stat's result. exitCode and
// stderr tell a missing file from other failures.
func statModParse(o statOptions, exitCode int, stdout, stderr string) Result {
	if exitCode != 0 {
		if strings.Contains(stderr, "No such file or directory") {
			return Result{"changed": false, "stat": map[string]any{"exists": false}}
		}
		msg := strings.TrimSpace(stderr)
		switch {
		case strings.Contains(stderr, "Permission denied"):
			msg = "Permission denied"
		case strings.Contains(stderr, "Not a directory"):
			msg = "Not a directory"
		case strings.Contains(stderr, "Too many levels of symbolic links"):
			msg = "Too many levels of symbolic links"
		case msg == "":
			msg = fmt.Sprintf("stat failed on the host (exit code %d)", exitCode)
		}
		return Result{"failed": true, "changed": false, "msg": msg}
	}
	kv := map[string]string{}
	for _, line := range strings.Split(stdout, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			kv[k] = v
		}
	}
	st, err := statModParseLine(kv["flavour"], kv["stat"])
	if err != nil {
		return Result{"failed": true, "changed": false, "msg": "stat: " + err.Error()}
	}
	out := st
	out["exists"] = true
	out["path"] = o.Path
	if x, ok := kv["xpath"]; ok && strings.HasPrefix(o.Path, "~") {
		if p := statUnhex(x); p != "" {
			out["path"] = p
		}
	}
	for _, k := range []string{"readable", "writeable", "executable"} {
		out[k] = kv[k] == "1"
	}
	if out["islnk"] == true {
		out["lnk_target"] = strings.TrimSuffix(statUnhex(kv["lnk_target"]), "\n")
		out["lnk_source"] = strings.TrimSuffix(statUnhex(kv["lnk_source"]), "\n")
	}
	for _, k := range []string{"md5", "checksum"} {
		if v, ok := kv[k]; ok {
			if v == "fail" {
				return Result{"failed": true, "changed": false, "msg": fmt.Sprintf("Could not hash file '%s' with algorithm '%s': no digest tool (sha1sum, shasum, openssl) on the host", o.Path, o.Algorithm)}
			}
			out[k] = v
		}
	}
	if o.GetMime {
		out["mimetype"], out["charset"] = "unknown", "unknown"
		text, ok := kv["mimeb"]
		if ok {
			text = ":" + text
		} else if m, found := kv["mime"]; found {
			text, ok = statUnhex(m), true
		}
		if ok {
			if i := strings.LastIndex(text, ":"); i >= 0 {
				parts := strings.Split(text[i+1:], ";")
				if len(parts) == 2 {
					if _, cs, ok := strings.Cut(parts[1], "="); ok {
						out["mimetype"] = strings.TrimSpace(parts[0])
						out["charset"] = strings.TrimSpace(strings.Split(cs, "=")[0])
					}
				}
			}
		}
	}
	if o.GetAttributes {
		out["version"], out["attributes"], out["attr_flags"] = nil, []any{}, ""
		la, ok := kv["lsattrb"]
		if !ok {
			la, ok = statUnhex(kv["lsattr"]), kv["lsattr"] != ""
		}
		if ok {
			if f := strings.Fields(la); len(f) >= 2 {
				flags := strings.ReplaceAll(f[1], "-", "")
				out["version"] = f[0]
				out["attr_flags"] = flags
				attrs := []any{}
				for _, c := range flags {
					if name, ok := statAttrNames[c]; ok {
						attrs = append(attrs, name)
					}
				}
				out["attributes"] = attrs
			}
		}
	}
	return Result{"changed": false, "stat": out}
}

func statUnhex(s string) string {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	return string(b)
}

// statModParseLine reads one stat(1) line of gnuStatFormat or bsdStatFormat.
func statModParseLine(flavour, line string) (map[string]any, error) {
	f := strings.Split(line, "|")
	if len(f) < 19 {
		return nil, fmt.Errorf("unexpected stat output %q", line)
	}
	// Names may hold '|': the last two fields are names, anything between
	// belongs to them; join the surplus into the user name.
	if len(f) > 19 {
		extra := len(f) - 19
		f = append(f[:17], strings.Join(f[17:18+extra], "|"), f[len(f)-1])
	}
	num := func(i int, base int) (int64, error) {
		v, err := strconv.ParseInt(strings.TrimSpace(f[i]), base, 64)
		if err != nil {
			u, uerr := strconv.ParseUint(strings.TrimSpace(f[i]), base, 64)
			if uerr != nil {
				return 0, fmt.Errorf("unexpected stat field %q in %q", f[i], line)
			}
			return int64(u), nil
		}
		return v, nil
	}
	var nums [14]int64
	bases := [14]int{16, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 16, 16}
	var bsdTimes [3]float64
	if flavour == "bsd" {
		bases[12], bases[13] = 10, 10
		for i := 7; i <= 9; i++ {
			sec, frac, _ := strings.Cut(f[i], ".")
			f[i] = sec
			v, err := num(i, 10)
			if err != nil {
				return nil, err
			}
			bsdTimes[i-7] = pyStatTime(v, "."+frac)
		}
	}
	for i := range nums {
		v, err := num(i, bases[i])
		if err != nil {
			return nil, err
		}
		nums[i] = v
	}
	mode := nums[0]
	ft := mode & statIFMT
	out := map[string]any{
		"mode":   fmt.Sprintf("%04o", mode&0o7777),
		"isdir":  ft == statIFDIR,
		"ischr":  ft == statIFCHR,
		"isblk":  ft == statIFBLK,
		"isreg":  ft == statIFREG,
		"isfifo": ft == statIFIFO,
		"islnk":  ft == statIFLNK,
		"issock": ft == statIFSOCK,
		"uid":    nums[1], "gid": nums[2], "size": nums[3], "inode": nums[4], "dev": nums[5], "nlink": nums[6],
		"wusr": mode&0o200 != 0, "rusr": mode&0o400 != 0, "xusr": mode&0o100 != 0,
		"wgrp": mode&0o020 != 0, "rgrp": mode&0o040 != 0, "xgrp": mode&0o010 != 0,
		"woth": mode&0o002 != 0, "roth": mode&0o004 != 0, "xoth": mode&0o001 != 0,
		"isuid": mode&0o4000 != 0, "isgid": mode&0o2000 != 0,
		"blocks": nums[10], "block_size": nums[11],
	}
	user, group := f[17], f[18]
	if flavour == "bsd" {
		out["atime"], out["mtime"], out["ctime"] = bsdTimes[0], bsdTimes[1], bsdTimes[2]
		out["device_type"] = bsdMakedev(nums[12], nums[13])
		if fl, err := strconv.ParseInt(f[14], 10, 64); err == nil {
			out["flags"] = fl
		}
		if g, err := strconv.ParseInt(f[15], 10, 64); err == nil {
			out["generation"] = g
		}
		sec, frac, _ := strings.Cut(f[16], ".")
		if bt, err := strconv.ParseInt(sec, 10, 64); err == nil {
			out["birthtime"] = pyStatTime(bt, "."+frac)
		}
		// BSD stat prints "(uid)" when there is no name.
		if user != "("+strconv.FormatInt(nums[1], 10)+")" {
			out["pw_name"] = user
		}
		if group != "("+strconv.FormatInt(nums[2], 10)+")" {
			out["gr_name"] = group
		}
		return out, nil
	}
	out["atime"] = pyStatTime(nums[7], f[14])
	out["mtime"] = pyStatTime(nums[8], f[15])
	out["ctime"] = pyStatTime(nums[9], f[16])
	out["device_type"] = linuxMakedev(nums[12], nums[13])
	if user != "UNKNOWN" {
		out["pw_name"] = user
	}
	if group != "UNKNOWN" {
		out["gr_name"] = group
	}
	return out, nil
}

// pyStatTime is Python's float st_mtime from whole seconds and the
// nanoseconds in stat's human-readable time ("2024-01-02 03:04:05.123456789 +0000").
func pyStatTime(sec int64, human string) float64 {
	ns := int64(0)
	if i := strings.IndexByte(human, '.'); i >= 0 {
		digits := human[i+1:]
		if j := strings.IndexAny(digits, " +-"); j >= 0 {
			digits = digits[:j]
		}
		for len(digits) < 9 {
			digits += "0"
		}
		if v, err := strconv.ParseInt(digits[:9], 10, 64); err == nil {
			ns = v
		}
	}
	return float64(sec) + float64(ns)*1e-9
}

// linuxMakedev is glibc's makedev.
func linuxMakedev(major, minor int64) int64 {
	ma, mi := uint64(major), uint64(minor)
	return int64((ma&0xfffff000)<<32 | (ma&0xfff)<<8 | (mi&0xffffff00)<<12 | mi&0xff)
}

// bsdMakedev is makedev on macOS and the BSDs.
func bsdMakedev(major, minor int64) int64 {
	return major<<24 | minor&0xffffff
}

func runStat(ctx context.Context, t *Task) (Result, error) {
	o := statOptionsFrom(t.Args)
	res, err := t.Exec(ctx, statModScript(o))
	if err != nil {
		return nil, fmt.Errorf("stat: %w", err)
	}
	return statModParse(o, res.ExitCode, string(res.Stdout), string(res.Stderr)), nil
}
