// Package template renders Ansible's Jinja2: task arguments, when:
// conditions, vars, loops, role defaults and template module files, with the
// results ansible-core 2.14 gives.
//
// # Why not gonja
//
// github.com/nikolalohinski/gonja/v2 (v2.9.1) was evaluated first and
// rejected because the differences are in its core, not in the parts it lets
// a user extend:
//
//   - Variables live in exec.Context, a concrete map-backed struct with no
//     lookup hook, so Ansible's lazy variables (a variable whose value is a
//     template is rendered when it is used, with loop detection, and becomes
//     an Undefined carrying the inner error when that fails) cannot be
//     expressed.
//   - Undefined values are silent: "{{ nosuch }}" and "{{ d.nope }}" render
//     as "" with no error, where Ansible fails with "'nosuch' is undefined"
//     or "'dict object' has no attribute 'nope'".
//   - Python semantics differ in the evaluator: -7 // 2 gives -3 (Python -4),
//     'a' + 1 gives "a1" (Python TypeError), [1] == (1,) is true (Python
//     false), dict.items() yields lists, "x if false" without else is not a
//     soft Undefined.
//   - A template always renders to text, while Ansible keeps the native type
//     of a variable referenced alone ("{{ n }}" is the int) and literal-evals
//     output that looks like a list, dict or bool.
//
// Patching these would mean forking gonja. Instead this package has its own
// small Jinja2 implementation (lexer, parser and evaluator, about 3000
// lines) that follows Jinja2 3.1 and Ansible 2.14 directly: Python values and
// their str()/repr() (lists print as [1, 'a'], True/None capitalised), the
// AnsibleJ2Vars lazy variable lookup, ansible_eval_concat (convert_data) and
// ansible_concat, Ansible's filters, tests and lookups, and the Conditional
// logic of ansible.playbook.conditional (including its "is defined" fallback).
//
// # Conformance
//
// The tests compare about 945 expressions, when: conditions and template
// module files with ansible-playbook 2.14: TestAnsibleDiff runs them all
// through one playbook and checks the recording in testdata/golden.json;
// TestGolden checks Templar against the recording without Ansible.
//
// # Values
//
// Inputs and results are plain Go values: map[string]any, []any, string,
// int, float64, bool and nil. Strings without "{{", "{%" or "{#" are
// returned without touching the parser; parsed templates are cached.
package template
