package template

import (
	"strconv"
	"strings"
)

// literalEval is Python's ast.literal_eval with Ansible's Json2Python
// (true/false/null accepted): it reads a Python literal or says it cannot.
func literalEval(s string) (any, bool) {
	p := &litParser{s: s}
	v, ok := p.value(0)
	if !ok {
		return nil, false
	}
	p.ws()
	if p.i != len(p.s) {
		return nil, false
	}
	return v, true
}

type litParser struct {
	s string
	i int
}

func (p *litParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			p.i++
		case '\\':
			if p.i+1 < len(p.s) && p.s[p.i+1] == '\n' {
				p.i += 2
				continue
			}
			return
		default:
			return
		}
	}
}

func (p *litParser) peek() byte {
	p.ws()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *litParser) value(depth int) (any, bool) {
	if depth > 200 {
		return nil, false
	}
	c := p.peek()
	switch {
	case c == '[':
		p.i++
		items, ok := p.seq(']', depth)
		if !ok {
			return nil, false
		}
		if items == nil {
			items = []any{}
		}
		return items, true
	case c == '(':
		p.i++
		if p.peek() == ')' {
			p.i++
			return tuple{}, true
		}
		first, ok := p.value(depth + 1)
		if !ok {
			return nil, false
		}
		if p.peek() == ')' {
			p.i++
			return first, true
		}
		if p.peek() != ',' {
			return nil, false
		}
		p.i++
		rest, ok := p.seq(')', depth)
		if !ok {
			return nil, false
		}
		return append(tuple{first}, rest...), true
	case c == '{':
		p.i++
		d := newDict()
		for {
			if p.peek() == '}' {
				p.i++
				return d, true
			}
			k, ok := p.value(depth + 1)
			if !ok || p.peek() != ':' {
				return nil, false
			}
			p.i++
			v, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			var ks string
			switch kk := k.(type) {
			case string:
				ks = kk
			case []any, *Dict:
				return nil, false
			default:
				ks = pyRepr(kk)
			}
			d.set(ks, v)
			switch p.peek() {
			case ',':
				p.i++
			case '}':
			default:
				return nil, false
			}
		}
	case c == '"' || c == '\'':
		var out strings.Builder
		for p.peek() == '"' || p.peek() == '\'' {
			str, n, err := lexString(p.s[p.i:])
			if err != nil {
				return nil, false
			}
			if strings.HasPrefix(p.s[p.i:], `"""`) || strings.HasPrefix(p.s[p.i:], `'''`) {
				return nil, false
			}
			out.WriteString(str)
			p.i += n
		}
		return out.String(), true
	case c == '-' || c == '+':
		p.i++
		v, ok := p.value(depth + 1)
		if !ok {
			return nil, false
		}
		switch x := v.(type) {
		case int:
			if c == '-' {
				return -x, true
			}
			return x, true
		case float64:
			if c == '-' {
				return -x, true
			}
			return x, true
		}
		return nil, false
	case c >= '0' && c <= '9' || c == '.':
		rest := p.s[p.i:]
		if m := floatRe.FindString(rest); m != "" {
			f, err := strconv.ParseFloat(strings.ReplaceAll(m, "_", ""), 64)
			if err != nil {
				return nil, false
			}
			p.i += len(m)
			return f, true
		}
		if m := intRe.FindString(rest); m != "" {
			if len(m) > 1 && m[0] == '0' && m[1] >= '0' && m[1] <= '9' && strings.Trim(m, "0_") != "" {
				return nil, false
			}
			p.i += len(m)
			return parseIntLit(strings.ReplaceAll(m, "_", "")), true
		}
		return nil, false
	}
	if m := nameRe.FindString(p.s[p.i:]); m != "" {
		p.i += len(m)
		switch m {
		case "True", "true":
			return true, true
		case "False", "false":
			return false, true
		case "None", "null":
			return nil, true
		}
	}
	return nil, false
}

func (p *litParser) seq(end byte, depth int) ([]any, bool) {
	var items []any
	for {
		if p.peek() == end {
			p.i++
			return items, true
		}
		v, ok := p.value(depth + 1)
		if !ok {
			return nil, false
		}
		items = append(items, v)
		switch p.peek() {
		case ',':
			p.i++
		case end:
		default:
			return nil, false
		}
	}
}
