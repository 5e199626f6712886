// Command omeprov applies Ansible playbooks to hosts over SSH without
// Python on the hosts. See README.md.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// exitError carries an exit status out of a command, as ansible-playbook's.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "omeprov",
		Short:         "Apply Ansible playbooks to OME hosts over SSH, with no Python on the hosts",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	for _, add := range subcommands {
		root.AddCommand(add())
	}
	return root
}

// subcommands are added by each command's file from an init function.
var subcommands []func() *cobra.Command

func main() {
	err := newRootCmd().Execute()
	if err == nil {
		return
	}
	code := 5 // ansible-playbook's exit status for bad options
	if ee, ok := err.(*exitError); ok {
		code = ee.code
		if ee.err == nil {
			os.Exit(code)
		}
	}
	fmt.Fprintf(os.Stderr, "ERROR! %v\n", err)
	os.Exit(code)
}
