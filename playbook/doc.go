// Package playbook loads Ansible playbooks and roles and runs them:
// plays, blocks, tasks and handlers as Ansible's YAML describes them, the
// variables in force for each host and task in Ansible's precedence order,
// and the linear strategy that moves every host through task N before any
// host starts task N+1.
//
// Loading (Load) is static: every file that can be found before running is
// read and checked, so a misspelt module or parameter is reported with its
// file and line before any host is touched. Running (Executor.Run) drives
// the hosts through modules and reports to a Callback, whose default
// implementation prints what ansible-playbook prints.
package playbook
