package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/ome/omeprov/config"
	"github.com/ome/omeprov/inventory"
)

func init() { subcommands = append(subcommands, newInventoryCmd) }

// inventorySources returns the -i values, or else the configured default
// inventory (ansible.cfg's inventory, ANSIBLE_INVENTORY, /etc/ansible/hosts).
func inventorySources(given []string) ([]string, error) {
	if len(given) > 0 {
		return given, nil
	}
	cfg, err := config.Load()
	if err != nil {
		return nil, err
	}
	return cfg.Inventory, nil
}

// printWarnings prints warnings as Ansible does, on stderr.
func printWarnings(ws []string) {
	for _, w := range ws {
		fmt.Fprintf(os.Stderr, "[WARNING]: %s\n", w)
	}
}

func newInventoryCmd() *cobra.Command {
	var (
		sources     []string
		list, graph bool
		host        string
		yamlOut     bool
		vars        bool
		export      bool
		playbookDir string
		limit       string
		output      string
	)
	cmd := &cobra.Command{
		Use:   "inventory [group]",
		Short: "Show the inventory as ansible-inventory does (--list, --graph, --host)",
		Long: `Show the inventory as Ansible sees it, with ansible-inventory's options and output:
--list prints the JSON (or --yaml) of groups and _meta.hostvars, --graph the group
tree from a group (all by default), --host NAME one host's merged variables.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			used := 0
			for _, b := range []bool{list, graph, host != ""} {
				if b {
					used++
				}
			}
			if used == 0 {
				return &exitError{code: 5, err: errors.New("No action selected, at least one of --host, --graph or --list needs to be specified.")}
			}
			if used > 1 {
				return &exitError{code: 5, err: errors.New("Conflicting options used, only one of --host, --graph or --list can be used at the same time.")}
			}
			srcs, err := inventorySources(sources)
			if err != nil {
				return &exitError{code: 5, err: err}
			}
			inv, err := inventory.Load(srcs)
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			if limit != "" {
				if _, err := inv.Limit(limit); err != nil {
					printWarnings(inv.Warnings())
					return &exitError{code: 1, err: err}
				}
			}
			opts := inventory.OutputOptions{Export: export, PlaybookDir: playbookDir, Vars: vars}
			var out []byte
			switch {
			case host != "" && yamlOut:
				out, err = inv.HostYAML(host, opts)
			case host != "":
				out, err = inv.HostJSON(host, opts)
			case graph:
				start := "all"
				if len(args) > 0 {
					start = args[0]
				}
				out, err = inv.Graph(start, opts)
			case yamlOut:
				out, err = inv.ListYAML(opts)
			default:
				out, err = inv.ListJSON(opts)
			}
			printWarnings(inv.Warnings())
			if err != nil {
				code := 1
				if errors.Is(err, inventory.ErrNotOneHost) || errors.Is(err, inventory.ErrNotGroup) {
					code = 5
				}
				return &exitError{code: code, err: err}
			}
			if output != "" {
				if err := os.WriteFile(output, out, 0o644); err != nil {
					return &exitError{code: 1, err: fmt.Errorf("Unable to write to destination file (%s): %w", output, err)}
				}
				return nil
			}
			_, err = os.Stdout.Write(out)
			return err
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&sources, "inventory", "i", nil, "inventory source: a file, a directory or a comma-separated host list (repeatable)")
	f.BoolVar(&list, "list", false, "print all groups and hosts with their variables")
	f.BoolVar(&graph, "graph", false, "print the group tree, from the group given as argument (default all)")
	f.StringVar(&host, "host", "", "print the variables of one host")
	f.BoolVarP(&yamlOut, "yaml", "y", false, "print YAML instead of JSON (ignored with --graph)")
	f.BoolVar(&vars, "vars", false, "add variables to the --graph (ignored otherwise)")
	f.BoolVar(&export, "export", false, "print variables as defined (group vars on groups) rather than merged per host")
	f.StringVar(&playbookDir, "playbook-dir", "", "also read group_vars/ and host_vars/ from this playbook directory")
	f.StringVarP(&limit, "limit", "l", "", "further limit the hosts in _meta.hostvars with a host pattern or @file (an omeprov extension: ansible-inventory 2.14 refuses --limit)")
	f.StringVar(&output, "output", "", "write the output to this file instead of stdout")
	return cmd
}
