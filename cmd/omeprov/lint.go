package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ome/omeprov/config"
	"github.com/ome/omeprov/pypolicy"
)

func init() { subcommands = append(subcommands, newLintCmd) }

func newLintCmd() *cobra.Command {
	var format string
	var releases []string
	cmd := &cobra.Command{
		Use:   "lint [flags] playbook.yml [playbook.yml ...]",
		Short: "Check playbooks without connecting: YAML, modules, parameters, roles and OME's Python rule",
		Long: "lint loads each playbook as apply does, without connecting to any host, and reports\n" +
			"one finding a line as file:line: rule: message. Python rule checks use the catalog of\n" +
			"distribution packages shipped in omeprov (releases with data: " + strings.Join(pypolicy.ReleaseNames(), ", ") + ").\n" +
			"It exits 0 without findings, 2 with findings, 5 on bad options.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return &exitError{code: 5, err: fmt.Errorf("lint: unknown format %q (want text or json)", format)}
			}
			cfg, err := config.Load()
			if err != nil {
				return &exitError{code: 5, err: err}
			}
			var all []pypolicy.Finding
			for _, pb := range args {
				if _, err := os.Stat(pb); err != nil {
					return &exitError{code: 1, err: fmt.Errorf("the playbook: %s could not be found", pb)}
				}
				fs, err := pypolicy.Lint(pb, pypolicy.LintOptions{RolesPath: cfg.RolesPath, Releases: splitList(releases)})
				if err != nil {
					return &exitError{code: 5, err: err}
				}
				all = append(all, fs...)
			}
			if len(all) == 0 && format == "json" {
				all = []pypolicy.Finding{}
			}
			if err := pypolicy.WriteFindings(cmd.OutOrStdout(), all, format); err != nil {
				return &exitError{code: 1, err: err}
			}
			if len(all) > 0 {
				return &exitError{code: 2}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text (file:line: rule: message) or json")
	cmd.Flags().StringArrayVar(&releases, "release", nil, "catalog releases to check against (default: all with data)")
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: 5, err: fmt.Errorf("%v\n%s", err, c.UsageString())}
	})
	return cmd
}
