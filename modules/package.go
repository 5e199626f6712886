package modules

import (
	"context"
	"errors"
	"fmt"
)

// The package module (ansible.builtin.package) is an action in Ansible: it
// finds the host's package manager (the pkg_mgr fact, or `use`) and runs
// that manager's module with the task's other arguments, validated against
// that module's own parameters.

func init() {
	Register("package", packageSpec, ModuleFunc(runPackage))
}

var packageSpec = Spec{
	Params: map[string]Param{
		"name":  {Type: "raw"},
		"state": {Type: "raw"},
		"use":   {Type: "str", Default: "auto"},
	},
	AnyParams: true,
	CheckMode: true,
}

// packageBackend finds the module for a package manager name ("apt",
// "dnf", "homebrew", ...), as Ansible's module loader does.
func packageBackend(mgr string) (*Entry, error) {
	if mgr == "" || mgr == "auto" || mgr == "unknown" {
		return nil, errors.New(`Could not detect which package manager to use. Try gathering facts or setting the "use" option.`)
	}
	e, ok := Lookup(mgr)
	if !ok || e.Name == "package" {
		return nil, fmt.Errorf("Could not find a module for %s.", mgr)
	}
	return e, nil
}

func runPackage(ctx context.Context, t *Task) (Result, error) {
	mgr := pkgArgStr(t.Args, "use")
	if mgr == "" || mgr == "auto" {
		mgr = "auto"
		if t.Ctl != nil {
			facts, err := t.Ctl.Facts(ctx)
			if err != nil {
				return nil, fmt.Errorf("package: gathering pkg_mgr: %w", err)
			}
			if m, ok := facts["pkg_mgr"].(string); ok && m != "" {
				mgr = m
			}
		}
	}
	e, err := packageBackend(mgr)
	if err != nil {
		return Failf("%s", err), nil
	}
	args := map[string]any{}
	for k, v := range t.Args {
		if k == "use" {
			continue
		}
		// name and state were not given: leave them to the backend's
		// defaults instead of passing nil.
		if v == nil && (k == "name" || k == "state") {
			continue
		}
		args[k] = v
	}
	clean, err := Validate("ansible.legacy."+e.Name, e.Spec, args)
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return Failf("%s", ve.Msg), nil
		}
		return nil, fmt.Errorf("package: %w", err)
	}
	if t.Check && !e.Spec.CheckMode {
		return Result{"changed": false, "skipped": true, "msg": "remote module (ansible.legacy." + e.Name + ") does not support check mode"}, nil
	}
	sub := *t
	sub.Module = e.Name
	sub.Args = clean
	return e.Module.Run(ctx, &sub)
}
