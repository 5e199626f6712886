package modules

// The lvol module, as community.general.lvol: LVM logical volumes (plain,
// thin pools, thin volumes and snapshots) created with lvcreate, resized
// with lvextend/lvreduce, removed with lvremove and (de)activated with
// lvchange, read with vgs and lvs. In check mode the commands run with
// --test, as Ansible's do. Every value is quoted; opts is split into
// words as Python's shlex.split does (as Ansible's run_command reads it)
// and each word quoted.

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/ome/omeprov/connection"
)

func lvolSpec() Spec {
	return Spec{
		Params: map[string]Param{
			"vg":       {Type: "str", Required: true},
			"lv":       {Type: "str"},
			"size":     {Type: "str"},
			"opts":     {Type: "str"},
			"state":    {Type: "str", Default: "present", Choices: []string{"absent", "present"}},
			"force":    {Type: "bool", Default: false},
			"shrink":   {Type: "bool", Default: true},
			"active":   {Type: "bool", Default: true},
			"snapshot": {Type: "str"},
			"pvs":      {Type: "str"},
			"resizefs": {Type: "bool", Default: false},
			"thinpool": {Type: "str"},
		},
		RequiredOneOf: [][]string{{"lv", "thinpool"}},
		CheckMode:     true,
	}
}

func init() { Register("lvol", lvolSpec(), ModuleFunc(runLvol)) }

// lvmEnv runs LVM tools in the C locale, as Ansible's LVOL_ENV_VARS.
const lvmEnv = "LANG=C LC_ALL=C LVM_SUPPRESS_FD_WARNINGS=1 "

// lvmVG is one line of vgs.
type lvmVG struct {
	Name                 string
	Size, Free, ExtentSz float64
}

// lvmLV is one line of lvs.
type lvmLV struct {
	Name              string
	Size              float64
	Active            bool
	Thinpool, Thinvol bool
}

// lvmParseVGs parses `vgs --noheadings --nosuffix -o
// vg_name,size,free,vg_extent_size --separator ';'`.
func lvmParseVGs(out string) ([]lvmVG, error) {
	var vgs []lvmVG
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		p := strings.Split(strings.TrimSpace(line), ";")
		if len(p) < 4 {
			continue
		}
		var v lvmVG
		var err error
		v.Name = p[0]
		if v.Size, err = strconv.ParseFloat(p[1], 64); err == nil {
			if v.Free, err = strconv.ParseFloat(p[2], 64); err == nil {
				v.ExtentSz, err = strconv.ParseFloat(p[3], 64)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("vgs: bad line %q", line)
		}
		vgs = append(vgs, v)
	}
	if len(vgs) == 0 {
		return nil, fmt.Errorf("vgs: no volume group in %q", out)
	}
	return vgs, nil
}

// lvmParseLVs parses `lvs -a --noheadings --nosuffix -o
// lv_name,size,lv_attr --separator ';'`.
func lvmParseLVs(out string) ([]lvmLV, error) {
	var lvs []lvmLV
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		p := strings.Split(line, ";")
		if len(p) < 3 || len(p[2]) < 5 {
			return nil, fmt.Errorf("lvs: bad line %q", line)
		}
		size, err := strconv.ParseFloat(p[1], 64)
		if err != nil {
			return nil, fmt.Errorf("lvs: bad size in %q", line)
		}
		lvs = append(lvs, lvmLV{Name: strings.NewReplacer("[", "", "]", "").Replace(p[0]), Size: size,
			Active: p[2][4] == 'a', Thinpool: p[2][0] == 't', Thinvol: p[2][0] == 'V'})
	}
	return lvs, nil
}

var lvmVersionRE = regexp.MustCompile(`LVM version:\s+(\d+)\.(\d+)\.(\d+).*(\d{4}-\d{2}-\d{2})`)

// lvmVersion reads `lvm version`; 0 when it cannot be read.
func lvmVersion(out string) int {
	m := lvmVersionRE.FindStringSubmatch(out)
	if m == nil {
		return 0
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	c, _ := strconv.Atoi(m[3])
	return a*1000*1000 + b*1000 + c
}

// lvolSize is the size argument parsed as lvol does.
type lvolSize struct {
	Given    bool
	Operator string // "", "+" or "-"
	Number   string // as written, without operator and unit
	Opt      string // "L" (size) or "l" (extents)
	Unit     string // size unit ("m" by default); "" for extents
	Percent  int
	Whole    string // VG, PVS or FREE for extents
}

// lvolParseSize parses size ("512", "+1g", "100%FREE").
func lvolParseSize(size string) (lvolSize, error) {
	s := lvolSize{Opt: "L", Unit: "m"}
	if size == "" {
		return s, nil
	}
	s.Given = true
	if strings.HasPrefix(size, "+") || strings.HasPrefix(size, "-") {
		s.Operator, size = size[:1], size[1:]
	}
	if i := strings.Index(size, "%"); i >= 0 {
		n, err := strconv.Atoi(size[:i])
		if err != nil {
			return s, fmt.Errorf("invalid literal for int() with base 10: %s", pyRepr(size[:i]))
		}
		if n > 100 {
			return s, fmt.Errorf("Size percentage cannot be larger than 100%%")
		}
		s.Percent, s.Whole = n, size[i+1:]
		if s.Whole == "ORIGIN" {
			return s, fmt.Errorf("Snapshot Volumes are not supported")
		}
		if s.Whole != "VG" && s.Whole != "PVS" && s.Whole != "FREE" {
			return s, fmt.Errorf("Specify extents as a percentage of VG|PVS|FREE")
		}
		s.Opt, s.Unit, s.Number = "l", "", size
		return s, nil
	}
	if size != "" && strings.ContainsRune("bskmgtpe", rune(strings.ToLower(size[len(size)-1:])[0])) {
		s.Unit, size = size[len(size)-1:], size[:len(size)-1]
	}
	if _, err := strconv.ParseFloat(size, 64); err != nil || size == "" || size[0] < '0' || size[0] > '9' {
		return s, fmt.Errorf("Bad size specification of '%s'", size)
	}
	s.Number = size
	return s, nil
}

// lvolArgs are the module's arguments.
type lvolArgs struct {
	VG, LV, Snapshot, Thinpool, State string
	Opts, PVs                         []string
	Force, Shrink, Active, Resizefs   bool
	Size                              lvolSize
}

// lvolStep is what the module decided: commands (in order) and the
// result when they succeed.
type lvolStep struct {
	Cmd    string // the create, remove or resize command ("" for none)
	Kind   string // "create", "remove", "resize"
	Msg    string
	LV     *lvmLV // the existing volume, for activation and results
	Result Result // a result decided without running anything
}

func lvolQ(words ...string) string { return connection.QuoteAll(words...) }

// lvolPlan decides as lvol's main() does. test is " --test" in check mode.
func lvolPlan(a lvolArgs, vg lvmVG, lvs []lvmLV, yes bool, check bool) (lvolStep, error) {
	var pre []string
	if check {
		pre = append(pre, "--test")
	}
	if yes {
		pre = append(pre, "--yes")
	}
	sz := a.Size
	unit := sz.Unit
	if sz.Opt == "l" {
		unit = "m"
	}
	var checkLV string
	switch {
	case a.Snapshot != "":
		found := false
		for _, l := range lvs {
			if l.Name == a.LV || l.Name == a.Thinpool {
				if !l.Thinpool && a.Thinpool == "" {
					found = true
					break
				}
				return lvolStep{}, fmt.Errorf("Snapshots of thin pool LVs are not supported.")
			}
		}
		if !found {
			return lvolStep{}, fmt.Errorf("Snapshot origin LV %s does not exist in volume group %s.", a.LV, a.VG)
		}
		checkLV = a.Snapshot
	case a.Thinpool != "":
		if a.LV != "" {
			found := false
			for _, l := range lvs {
				if l.Name == a.Thinpool {
					found = true
				}
			}
			if !found {
				return lvolStep{}, fmt.Errorf("Thin pool LV %s does not exist in volume group %s.", a.Thinpool, a.VG)
			}
			checkLV = a.LV
		} else {
			checkLV = a.Thinpool
		}
	default:
		checkLV = a.LV
	}
	var this *lvmLV
	base := checkLV
	if i := strings.LastIndex(base, "/"); i >= 0 {
		base = base[i+1:]
	}
	for i := range lvs {
		if lvs[i].Name == checkLV || lvs[i].Name == base {
			this = &lvs[i]
			break
		}
	}
	sizeVal := sz.Operator + sz.Number + sz.Unit
	if this == nil {
		if a.State != "present" {
			return lvolStep{}, nil
		}
		if sz.Operator != "" && (sz.Operator == "-" || !contains([]string{"VG", "PVS", "FREE", ""}, sz.Whole)) {
			return lvolStep{}, fmt.Errorf("Bad size specification of '%s%s' for creating LV", sz.Operator, sz.Number)
		}
		if !sz.Given {
			return lvolStep{}, fmt.Errorf("No size given.")
		}
		create := sz.Number + sz.Unit
		cmd := []string{"lvcreate"}
		cmd = append(cmd, pre...)
		switch {
		case a.Snapshot != "":
			cmd = append(cmd, "-"+sz.Opt, create, "-s", "-n", a.Snapshot)
			cmd = append(cmd, a.Opts...)
			cmd = append(cmd, a.VG+"/"+a.LV)
		case a.Thinpool != "" && a.LV != "":
			if sz.Opt == "l" {
				return lvolStep{}, fmt.Errorf("Thin volume sizing with percentage not supported.")
			}
			cmd = append(cmd, "-n", a.LV, "-V", create)
			cmd = append(cmd, a.Opts...)
			cmd = append(cmd, "-T", a.VG+"/"+a.Thinpool)
		case a.Thinpool != "":
			cmd = append(cmd, "-"+sz.Opt, create)
			cmd = append(cmd, a.Opts...)
			cmd = append(cmd, "-T", a.VG+"/"+a.Thinpool)
		default:
			cmd = append(cmd, "-n", a.LV, "-"+sz.Opt, create)
			cmd = append(cmd, a.Opts...)
			cmd = append(cmd, a.VG)
			cmd = append(cmd, a.PVs...)
		}
		return lvolStep{Cmd: lvolQ(cmd...), Kind: "create"}, nil
	}
	if a.State == "absent" {
		if !a.Force {
			return lvolStep{}, fmt.Errorf("Sorry, no removal of logical volume %s without force=true.", this.Name)
		}
		cmd := []string{"lvremove"}
		if check {
			cmd = append(cmd, "--test")
		}
		cmd = append(cmd, "--force", a.VG+"/"+this.Name)
		return lvolStep{Cmd: lvolQ(cmd...), Kind: "remove", LV: this}, nil
	}
	step := lvolStep{LV: this}
	if !sz.Given {
		return step, nil
	}
	tool := ""
	var requested float64
	if sz.Opt == "l" {
		if sz.Whole == "VG" || sz.Whole == "PVS" {
			requested = float64(sz.Percent) * vg.Size / 100
		} else {
			requested = float64(sz.Percent) * vg.Free / 100
		}
		switch sz.Operator {
		case "+":
			requested += this.Size
		case "-":
			requested = this.Size - requested
		}
		if vg.ExtentSz > 0 {
			requested -= math.Mod(requested, vg.ExtentSz)
		}
		if this.Size < requested {
			if vg.Free > 0 && vg.Free >= requested-this.Size {
				tool = "lvextend"
			} else {
				return step, fmt.Errorf("Logical Volume %s could not be extended. Not enough free space left (%s%s required / %s%s available)",
					this.Name, pyFloat(requested-this.Size), unit, pyFloat(vg.Free), unit)
			}
		} else if a.Shrink && this.Size > requested+vg.ExtentSz {
			switch {
			case requested < 1:
				return step, fmt.Errorf("Sorry, no shrinking of %s to 0 permitted.", this.Name)
			case !a.Force:
				return step, fmt.Errorf("Sorry, no shrinking of %s without force=true", this.Name)
			}
			tool = "lvreduce"
		}
		step.Msg = fmt.Sprintf("Volume %s resized to %s%s", this.Name, pyFloat(requested), unit)
	} else {
		n, _ := strconv.ParseFloat(sz.Number, 64)
		if n > this.Size || sz.Operator == "+" {
			tool = "lvextend"
		} else if a.Shrink && n < this.Size || sz.Operator == "-" {
			if n == 0 {
				return step, fmt.Errorf("Sorry, no shrinking of %s to 0 permitted.", this.Name)
			}
			if !a.Force {
				return step, fmt.Errorf("Sorry, no shrinking of %s without force=true.", this.Name)
			}
			tool = "lvreduce"
		}
	}
	if tool == "" {
		step.Msg = ""
		return step, nil
	}
	cmd := []string{tool}
	if tool == "lvreduce" {
		cmd = append(cmd, "--force")
	}
	if a.Resizefs {
		cmd = append(cmd, "--resizefs")
	}
	if check {
		cmd = append(cmd, "--test")
	}
	cmd = append(cmd, "-"+sz.Opt, sizeVal, a.VG+"/"+this.Name)
	cmd = append(cmd, a.PVs...)
	step.Cmd, step.Kind = lvolQ(cmd...), "resize"
	return step, nil
}

func runLvol(ctx context.Context, t *Task) (Result, error) {
	fa := fileArgs(t.Args)
	s := func(k string) string { v, _ := fa.str(k); return v }
	a := lvolArgs{VG: s("vg"), LV: s("lv"), Snapshot: s("snapshot"), Thinpool: s("thinpool"), State: s("state"),
		PVs:   strings.Fields(strings.ReplaceAll(s("pvs"), ",", " ")),
		Force: fa.boolean("force", false), Shrink: fa.boolean("shrink", true), Active: fa.boolean("active", true),
		Resizefs: fa.boolean("resizefs", false)}
	if a.State == "" {
		a.State = "present"
	}
	opts, err := lvolSplit(s("opts"))
	if err != nil {
		return Failf("opts: %v", err), nil
	}
	a.Opts = opts
	if a.LV == "" && a.Thinpool == "" {
		return Failf("one of the following is required: lv, thinpool"), nil
	}
	res, err := t.Exec(ctx, lvmEnv+"lvm version")
	if err != nil {
		return nil, fmt.Errorf("lvol: %w", err)
	}
	ver := lvmVersion(string(res.Stdout))
	if res.ExitCode == 127 {
		return Failf("Failed to find required executable \"lvm\" in paths: %s", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), nil
	}
	if res.ExitCode != 0 || ver == 0 {
		return Failf("Failed to get LVM version number"), nil
	}
	if a.Size, err = lvolParseSize(s("size")); err != nil {
		return Failf("%v", err), nil
	}
	unit := a.Size.Unit
	if a.Size.Opt == "l" {
		unit = "m"
	}
	units := strings.ToLower(unit)
	res, err = t.Exec(ctx, lvmEnv+"vgs --noheadings --nosuffix -o vg_name,size,free,vg_extent_size --units "+connection.Quote(units)+" --separator ';' -- "+connection.Quote(a.VG))
	if err != nil {
		return nil, fmt.Errorf("lvol: %w", err)
	}
	if res.ExitCode != 0 {
		if a.State == "absent" {
			return Result{"changed": false, "stdout": "Volume group " + a.VG + " does not exist."}, nil
		}
		return Result{"failed": true, "msg": "Volume group " + a.VG + " does not exist.", "rc": res.ExitCode, "err": string(res.Stderr)}, nil
	}
	vgs, err := lvmParseVGs(string(res.Stdout))
	if err != nil {
		return Failf("%v", err), nil
	}
	res, err = t.Exec(ctx, lvmEnv+"lvs -a --noheadings --nosuffix -o lv_name,size,lv_attr --units "+connection.Quote(units)+" --separator ';' -- "+connection.Quote(a.VG))
	if err != nil {
		return nil, fmt.Errorf("lvol: %w", err)
	}
	if res.ExitCode != 0 {
		if a.State == "absent" {
			return Result{"changed": false, "stdout": "Volume group " + a.VG + " does not exist."}, nil
		}
		return Result{"failed": true, "msg": "Volume group " + a.VG + " does not exist.", "rc": res.ExitCode, "err": string(res.Stderr)}, nil
	}
	lvs, err := lvmParseLVs(string(res.Stdout))
	if err != nil {
		return Failf("%v", err), nil
	}
	step, err := lvolPlan(a, vgs[0], lvs, ver >= 2002099, t.Check)
	if err != nil {
		return Failf("%v", err), nil
	}
	changed := false
	if step.Cmd != "" {
		res, err := t.Exec(ctx, lvmEnv+step.Cmd)
		if err != nil {
			return nil, fmt.Errorf("lvol: %w", err)
		}
		so, se := string(res.Stdout), string(res.Stderr)
		switch step.Kind {
		case "create":
			if res.ExitCode != 0 {
				return Result{"failed": true, "msg": fmt.Sprintf("Creating logical volume '%s' failed", a.LV), "rc": res.ExitCode, "err": se}, nil
			}
			return Result{"changed": true, "msg": ""}, nil
		case "remove":
			if res.ExitCode != 0 {
				return Result{"failed": true, "msg": "Failed to remove logical volume " + a.LV, "rc": res.ExitCode, "err": se}, nil
			}
			return Result{"changed": true}, nil
		default:
			lvSize := step.LV.Size
			switch {
			case strings.Contains(so, "Reached maximum COW size"):
				return Result{"failed": true, "msg": fmt.Sprintf("Unable to resize %s to %s%s", a.LV, a.Size.Number, a.Size.Unit), "rc": res.ExitCode, "err": se, "out": so}, nil
			case res.ExitCode == 0:
				changed = true
			case strings.Contains(se, "matches existing size"):
				return Result{"changed": false, "vg": a.VG, "lv": step.LV.Name, "size": lvSize}, nil
			case strings.Contains(se, "not larger than existing size"):
				return Result{"changed": false, "vg": a.VG, "lv": step.LV.Name, "size": lvSize, "msg": "Original size is larger than requested size", "err": se}, nil
			default:
				return Result{"failed": true, "msg": fmt.Sprintf("Unable to resize %s to %s%s", a.LV, a.Size.Number, a.Size.Unit), "rc": res.ExitCode, "err": se}, nil
			}
		}
	}
	if step.LV == nil {
		return Result{"changed": changed, "msg": step.Msg}, nil
	}
	flag, was := "-ay", !step.LV.Active
	if !a.Active {
		flag, was = "-an", step.LV.Active
	}
	// Ansible runs lvchange every time, in check mode too; omeprov runs
	// it when the activation is to change, and not in check mode.
	if !t.Check && was {
		res, err := t.Exec(ctx, lvmEnv+lvolQ("lvchange", flag, a.VG+"/"+step.LV.Name))
		if err != nil {
			return nil, fmt.Errorf("lvol: %w", err)
		}
		if res.ExitCode != 0 {
			what := "activate"
			if !a.Active {
				what = "deactivate"
			}
			return Result{"failed": true, "msg": fmt.Sprintf("Failed to %s logical volume %s", what, a.LV), "rc": res.ExitCode, "err": string(res.Stderr)}, nil
		}
	}
	return Result{"changed": was || changed, "vg": a.VG, "lv": step.LV.Name, "size": step.LV.Size}, nil
}

// lvolSplit splits an options string into words as Python's
// shlex.split (POSIX mode) does, which is how Ansible's run_command reads
// a command given as a string: blanks separate words, single quotes keep
// everything, double quotes keep everything but \" and \\, and a
// backslash outside quotes escapes the next character.
func lvolSplit(s string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		in    bool
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		case c == '\'':
			in = true
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("No closing quotation")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case c == '"':
			in = true
			for i++; ; i++ {
				if i >= len(s) {
					return nil, fmt.Errorf("No closing quotation")
				}
				if s[i] == '"' {
					break
				}
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
					i++
				}
				cur.WriteByte(s[i])
			}
		case c == '\\':
			in = true
			if i+1 >= len(s) {
				return nil, fmt.Errorf("No escaped character")
			}
			i++
			cur.WriteByte(s[i])
		default:
			in = true
			cur.WriteByte(c)
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}
