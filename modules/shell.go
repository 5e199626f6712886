package modules

import "context"

func init() {
	// shell is command with _uses_shell set, as Ansible's shell action
	// plugin does; its errors name ansible.legacy.command as Ansible's do.
	Register("shell", commandSpec(), ModuleFunc(func(ctx context.Context, t *Task) (Result, error) {
		return runCommand(ctx, t, true)
	}))
}
