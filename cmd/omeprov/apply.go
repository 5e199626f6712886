package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ome/omeprov/config"
	"github.com/ome/omeprov/internal/yaml11"
	"github.com/ome/omeprov/inventory"
	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/playbook"
	"github.com/ome/omeprov/pypolicy"
)

func init() { subcommands = append(subcommands, newApplyCmd) }

// applyFlags are ansible-playbook's options.
type applyFlags struct {
	inventory     []string
	limit         string
	extraVars     []string
	tags          []string
	skipTags      []string
	check         bool
	diff          bool
	forks         int
	user          string
	become        bool
	becomeUser    string
	becomeMethod  string
	askBecomePass bool
	privateKey    string
	timeout       int
	verbose       int
	syntaxCheck   bool
	listTasks     bool
	listHosts     bool
	listTags      bool
	startAt       string
	connection    string
	sshCommonArgs string
	sshExtraArgs  string
	flushCache    bool
	pythonPolicy  string // omeprov: --python-policy (pypolicy)
}

func newApplyCmd() *cobra.Command {
	f := &applyFlags{}
	cmd := &cobra.Command{
		Use:     "apply [flags] playbook.yml [playbook.yml ...]",
		Aliases: []string{"playbook"},
		Short:   "Run Ansible playbooks against hosts (ansible-playbook's options)",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runApply(cmd, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&f.inventory, "inventory", "i", nil, "inventory source (file, directory or host list); may be repeated")
	fl.StringVarP(&f.limit, "limit", "l", "", "further limit selected hosts to an additional pattern")
	fl.StringArrayVarP(&f.extraVars, "extra-vars", "e", nil, "set additional variables as key=value, YAML/JSON, or @file")
	fl.StringArrayVarP(&f.tags, "tags", "t", nil, "only run plays and tasks tagged with these values")
	fl.StringArrayVar(&f.skipTags, "skip-tags", nil, "only run plays and tasks whose tags do not match these values")
	fl.BoolVarP(&f.check, "check", "C", false, "don't make any changes; try to predict some of the changes that may occur")
	fl.BoolVarP(&f.diff, "diff", "D", false, "when changing (small) files and templates, show the differences")
	fl.IntVarP(&f.forks, "forks", "f", 0, "specify number of parallel processes to use (default 5)")
	fl.StringVarP(&f.user, "user", "u", "", "connect as this user")
	fl.BoolVarP(&f.become, "become", "b", false, "run operations with become")
	fl.StringVar(&f.becomeUser, "become-user", "", "run operations as this user (default root)")
	fl.StringVar(&f.becomeMethod, "become-method", "", "privilege escalation method to use (default sudo)")
	fl.BoolVarP(&f.askBecomePass, "ask-become-pass", "K", false, "ask for privilege escalation password")
	fl.StringVar(&f.privateKey, "private-key", "", "use this file to authenticate the connection")
	fl.StringVar(&f.privateKey, "key-file", "", "use this file to authenticate the connection")
	fl.IntVarP(&f.timeout, "timeout", "T", 0, "override the connection timeout in seconds (default 10)")
	fl.CountVarP(&f.verbose, "verbose", "v", "verbose mode (-vvv for more)")
	fl.BoolVar(&f.syntaxCheck, "syntax-check", false, "perform a syntax check on the playbook, but do not execute it")
	fl.BoolVar(&f.listTasks, "list-tasks", false, "list all tasks that would be executed")
	fl.BoolVar(&f.listHosts, "list-hosts", false, "outputs a list of matching hosts; does not execute anything else")
	fl.BoolVar(&f.listTags, "list-tags", false, "list all available tags")
	fl.StringVar(&f.startAt, "start-at-task", "", "start the playbook at the task matching this name")
	fl.StringVarP(&f.connection, "connection", "c", "", "connection type to use (ssh, local)")
	fl.StringVar(&f.sshCommonArgs, "ssh-common-args", "", "common arguments to pass to ssh (e.g. ProxyJump)")
	fl.StringVar(&f.sshExtraArgs, "ssh-extra-args", "", "extra arguments to pass to ssh")
	fl.BoolVar(&f.flushCache, "flush-cache", false, "clear the fact cache (facts are not cached between runs)")
	// omeprov: OME's Python rule (pypolicy); the variable omeprov_python_policy overrides it per host or play.
	fl.StringVar(&f.pythonPolicy, "python-policy", "enforce", "OME's Python rule: enforce, warn, fix or off")
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: 2, err: fmt.Errorf("%v\n%s", err, c.UsageString())}
	})
	return cmd
}

// parseExtraVars reads -e values: key=value pairs, YAML/JSON, or @file.
func parseExtraVars(vals []string) (map[string]any, error) {
	out := map[string]any{}
	for _, v := range vals {
		v = strings.TrimSpace(v)
		var m any
		var err error
		switch {
		case v == "":
			continue
		case strings.HasPrefix(v, "@"):
			name := v[1:]
			data, rerr := os.ReadFile(name)
			if rerr != nil {
				return nil, fmt.Errorf("could not read extra vars file %s: %w", name, rerr)
			}
			m, err = yaml11.Unmarshal(data, name)
		case strings.HasPrefix(v, "{") || strings.HasPrefix(v, "["):
			m, err = yaml11.Unmarshal([]byte(v), "extra vars")
		default:
			kv, perr := modules.ParseKV(v, false)
			if perr != nil {
				return nil, fmt.Errorf("extra vars: %w", perr)
			}
			mm := map[string]any{}
			for k, x := range kv {
				mm[k] = x
			}
			m = mm
		}
		if err != nil {
			return nil, err
		}
		mm, ok := m.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("Invalid extra vars data supplied. '%s' could not be made into a dictionary", v)
		}
		for k, x := range mm {
			out[k] = x
		}
	}
	return out, nil
}

func runApply(cmd *cobra.Command, f *applyFlags, playbooks []string) error {
	cfg, err := config.Load()
	if err != nil {
		return &exitError{code: 5, err: err}
	}
	fl := cmd.Flags()
	invSrc := f.inventory
	if len(invSrc) == 0 {
		invSrc = cfg.Inventory
	}
	inv, err := inventory.Load(existingSources(invSrc, fl.Changed("inventory")))
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	for _, w := range inv.Warnings() {
		fmt.Fprintf(os.Stderr, "[WARNING]: %s\n", w)
	}
	if f.limit != "" {
		ws, err := inv.Limit(f.limit)
		if err != nil {
			return &exitError{code: 1, err: err}
		}
		for _, w := range ws {
			fmt.Fprintf(os.Stderr, "[WARNING]: %s\n", w)
		}
	}
	extra, err := parseExtraVars(f.extraVars)
	if err != nil {
		return &exitError{code: 5, err: err}
	}
	var books []*playbook.Playbook
	for _, p := range playbooks {
		if _, err := os.Stat(p); err != nil {
			return &exitError{code: 1, err: fmt.Errorf("the playbook: %s could not be found", p)}
		}
		pb, err := playbook.Load(p, playbook.LoadOptions{RolesPath: cfg.RolesPath})
		if err != nil {
			return &exitError{code: 4, err: err}
		}
		if err := inv.AddPlaybookVars(filepath.Dir(pb.Path)); err != nil {
			return &exitError{code: 4, err: err}
		}
		books = append(books, pb)
	}
	tags := splitList(f.tags)
	skip := splitList(f.skipTags)
	out := cmd.OutOrStdout()
	if f.syntaxCheck || f.listTasks || f.listHosts || f.listTags {
		for i, pb := range books {
			if f.syntaxCheck && !(f.listTasks || f.listHosts || f.listTags) {
				fmt.Fprintf(out, "\nplaybook: %s\n", playbooks[i])
				continue
			}
			if err := playbook.List(out, playbooks[i], pb, inv, playbook.ListOptions{Tasks: f.listTasks, Hosts: f.listHosts, Tags: f.listTags, RunTags: tags, SkipTags: skip}); err != nil {
				return &exitError{code: 1, err: err}
			}
		}
		return nil
	}

	opts := playbook.Options{
		Inventory: inv, ExtraVars: extra, Forks: cfg.Forks, Check: f.check, Diff: f.diff,
		Tags: tags, SkipTags: skip, StartAt: f.startAt, Verbosity: f.verbose,
		Become: cfg.Become || f.become, BecomeUser: cfg.BecomeUser, BecomeMethod: cfg.BecomeMethod,
		RemoteUser: cfg.RemoteUser, PrivateKey: cfg.PrivateKeyFile, ConnType: cfg.Connection,
		Timeout: cfg.Timeout, HostKeyCheck: cfg.HostKeyChecking, SSHCommonArgs: f.sshCommonArgs,
		SSHExtraArgs: f.sshExtraArgs, Limit: f.limit, InventorySrcs: invSrc,
	}
	if fl.Changed("forks") {
		if f.forks < 1 {
			return &exitError{code: 5, err: errors.New("The number of processes (--forks) must be >= 1")}
		}
		opts.Forks = f.forks
	}
	if f.becomeUser != "" {
		opts.BecomeUser = f.becomeUser
	}
	if f.becomeMethod != "" {
		opts.BecomeMethod = f.becomeMethod
	}
	if f.user != "" {
		opts.RemoteUser = f.user
	}
	if f.privateKey != "" {
		opts.PrivateKey = f.privateKey
	}
	if f.timeout > 0 {
		opts.Timeout = f.timeout
	}
	if f.connection != "" {
		opts.ConnType = f.connection
	}
	if f.askBecomePass || cfg.BecomeAskPass {
		pw, err := askPassword("BECOME password: ")
		if err != nil {
			return &exitError{code: 5, err: err}
		}
		opts.BecomePassword = pw
	}
	opts.Callback = playbook.NewDefaultCallback(out, cmd.ErrOrStderr(), f.verbose, f.check, f.diff)
	// omeprov: OME's Python rule (pypolicy), checked before every pip and package task.
	pyMode, err := pypolicy.ParseMode(f.pythonPolicy)
	if err != nil {
		return &exitError{code: 5, err: err}
	}
	opts.Hooks = append(opts.Hooks, pypolicy.New(pyMode, cmd.ErrOrStderr()))
	opts.ReportTo = out

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	worst := 0
	for _, pb := range books {
		ex := playbook.New(opts)
		res, err := ex.Run(ctx, pb)
		if err != nil {
			if ctx.Err() != nil {
				return &exitError{code: 99, err: errors.New("User interrupted execution")}
			}
			return &exitError{code: 1, err: err}
		}
		if res.ExitCode > worst {
			worst = res.ExitCode
		}
		if res.ExitCode != 0 {
			break
		}
	}
	if worst != 0 {
		return &exitError{code: worst}
	}
	return nil
}

// existingSources drops the default inventory when it does not exist, as
// Ansible does (it then warns and uses only the implicit localhost).
func existingSources(src []string, explicit bool) []string {
	if explicit {
		return src
	}
	var out []string
	for _, s := range src {
		if _, err := os.Stat(s); err == nil || strings.Contains(s, ",") {
			out = append(out, s)
		}
	}
	return out
}

func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return out
}

// askPassword reads a password without echo from the terminal, or a line
// from standard input when it is not a terminal.
func askPassword(prompt string) (string, error) {
	fd := int(os.Stdin.Fd())
	if term.IsTerminal(fd) {
		fmt.Fprint(os.Stderr, prompt)
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(os.Stderr)
		return string(b), err
	}
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("reading the become password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
