package modules

import (
	"context"
	"fmt"
	"strings"
	"unicode"
)

func init() {
	Register("set_fact", Spec{
		Params:    map[string]Param{"cacheable": {Type: "raw"}},
		FreeForm:  "_raw_params",
		AnyParams: true,
		Action:    true,
		CheckMode: true,
	}, ModuleFunc(runSetFact))
}

// isIdentifier is Python's str.isidentifier.
func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || unicode.IsLetter(r) {
			continue
		}
		if i > 0 && (unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || unicode.Is(unicode.Pc, r)) {
			continue
		}
		return false
	}
	return true
}

// setFacts builds set_fact's result from its (templated) arguments.
func setFacts(args map[string]any) Result {
	fail := func(msg string) Result { return Result{"failed": true, "changed": false, "msg": msg} }
	facts := map[string]any{}
	cacheable := false
	for k, v := range args {
		if k == "cacheable" {
			b, err := ToBool(v)
			if err != nil {
				return fail(err.Error())
			}
			cacheable = b
			continue
		}
		if !isIdentifier(k) {
			return fail(fmt.Sprintf("The variable name '%s' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores.", k))
		}
		// Without Jinja2 native types a "yes"/"true" string is a boolean.
		if s, ok := v.(string); ok {
			switch strings.ToLower(s) {
			case "true", "yes":
				v = true
			case "false", "no":
				v = false
			}
		}
		facts[k] = v
	}
	if len(facts) == 0 {
		return fail("No key/value pairs provided, at least one is required for this action to succeed")
	}
	return Result{"changed": false, "ansible_facts": facts, "_ansible_facts_cacheable": cacheable}
}

func runSetFact(ctx context.Context, t *Task) (Result, error) {
	args := make(map[string]any, len(t.Args))
	for k, v := range t.Args {
		if strings.Contains(k, "{{") || strings.Contains(k, "{%") {
			nk, err := t.Ctl.Template(k)
			if err != nil {
				return Result{"failed": true, "changed": false, "msg": err.Error()}, nil
			}
			k = pyStr(nk)
		}
		args[k] = v
	}
	return setFacts(args), nil
}
