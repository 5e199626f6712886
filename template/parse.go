package template

import (
	"math/big"
	"strconv"
	"strings"
)

// Expression nodes.
type (
	expr     interface{}
	constN   struct{ v any }
	nameN    struct{ name string }
	getattrN struct {
		x    expr
		attr string
	}
	getitemN struct{ x, idx expr }
	sliceN   struct{ x, lo, hi, step expr }
	kwarg    struct {
		name string
		v    expr
	}
	callN struct {
		fn          expr
		args        []expr
		kwargs      []kwarg
		star, dstar expr
	}
	filterN struct {
		x      expr // nil inside a {% filter %} block
		name   string
		args   []expr
		kwargs []kwarg
		star   expr
		dstar  expr
	}
	testN struct {
		x      expr
		name   string
		args   []expr
		kwargs []kwarg
	}
	unaryN struct {
		op string
		x  expr
	}
	binN struct {
		op   string
		l, r expr
	}
	cmpOp struct {
		op string
		x  expr
	}
	cmpN struct {
		first expr
		ops   []cmpOp
	}
	condN  struct{ test, then, els expr }
	listN  struct{ items []expr }
	tupleN struct{ items []expr }
	dictN  struct{ keys, vals []expr }
)

// Statement nodes.
type (
	stmt   interface{}
	dataN  struct{ s string }
	printN struct{ x expr }
	ifN    struct {
		cond      expr
		body, els []stmt
	}
	forN struct {
		target    expr
		iter      expr
		filter    expr
		body, els []stmt
		recursive bool
	}
	setN struct {
		target expr
		x      expr
	}
	setBlockN struct {
		name   string
		filter *filterN
		body   []stmt
	}
	macroN struct {
		name     string
		params   []string
		defaults []expr // aligned to the last params
		body     []stmt
	}
	callBlockN struct {
		call   *callN
		params []string
		defs   []expr
		body   []stmt
	}
	filterBlockN struct {
		filter *filterN
		body   []stmt
	}
	withN struct {
		targets []expr
		values  []expr
		body    []stmt
	}
	includeN struct {
		tmpl          expr
		ignoreMissing bool
	}
)

type parser struct {
	toks []token
	pos  int
	// depth guards against stack exhaustion on hostile input.
	depth int
}

const maxDepth = 200

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) look(n int) token {
	if p.pos+n < len(p.toks) {
		return p.toks[p.pos+n]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.pos]
	if p.pos < len(p.toks)-1 {
		p.pos++
	}
	return t
}
func (p *parser) isOp(v string) bool {
	t := p.peek()
	return t.typ == tOp && t.val == v
}
func (p *parser) isName(v string) bool {
	t := p.peek()
	return t.typ == tName && t.val == v
}
func (p *parser) skipOp(v string) bool {
	if p.isOp(v) {
		p.next()
		return true
	}
	return false
}
func (p *parser) skipName(v string) bool {
	if p.isName(v) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expectOp(v string) error {
	t := p.peek()
	if t.typ == tOp && t.val == v {
		p.next()
		return nil
	}
	return p.unexpected(t, "'"+v+"'")
}

func (p *parser) unexpected(t token, want string) error {
	switch t.typ {
	case tErr:
		return synErr(t.line, "%s", t.val)
	case tEOF:
		return synErr(t.line, "unexpected end of template, expected %s.", want)
	}
	return synErr(t.line, "expected token %s, got %s", want, tokDesc(t))
}

// tokDesc is Jinja2's repr(describe_token(t)).
func tokDesc(t token) string {
	switch t.typ {
	case tName, tOp:
		return pyQuote(t.val)
	case tVarEnd:
		return "'end of print statement'"
	case tBlockEnd:
		return "'end of statement block'"
	case tString:
		return "'string'"
	case tInt:
		return "'integer'"
	case tFloat:
		return "'float'"
	case tEOF:
		return "'end of template'"
	}
	return pyQuote(t.String())
}

func (p *parser) expectName() (string, error) {
	t := p.peek()
	if t.typ != tName {
		return "", p.unexpected(t, "'name'")
	}
	p.next()
	return t.val, nil
}

// parseTemplate parses a whole token stream.
func parseTemplate(toks []token) ([]stmt, error) {
	p := &parser{toks: toks}
	body, end, err := p.subparse(nil)
	if err != nil {
		return nil, err
	}
	if end != "" {
		return nil, synErr(p.peek().line, "Encountered unknown tag '%s'.", end)
	}
	return body, nil
}

// subparse reads statements until one of the end tags (the tag name is returned,
// the parser stays after the name) or the end of the template.
func (p *parser) subparse(ends []string) ([]stmt, string, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, "", synErr(p.peek().line, "template nested too deeply")
	}
	var body []stmt
	for {
		t := p.next()
		switch t.typ {
		case tErr:
			return nil, "", synErr(t.line, "%s", t.val)
		case tEOF:
			if ends != nil {
				return nil, "", synErr(t.line, "Unexpected end of template. Jinja was looking for the following tags: %s. The innermost block that needs to be closed is '%s'.", tagList(ends), strings.TrimPrefix(ends[len(ends)-1], "end"))
			}
			return body, "", nil
		case tData:
			body = append(body, &dataN{t.val})
		case tVarBegin:
			x, err := p.parseTuple(true, false)
			if err != nil {
				return nil, "", err
			}
			if p.peek().typ != tVarEnd {
				return nil, "", p.unexpected(p.peek(), "'end of print statement'")
			}
			p.next()
			body = append(body, &printN{x})
		case tBlockBegin:
			nt := p.peek()
			if nt.typ != tName {
				return nil, "", synErr(nt.line, "tag name expected")
			}
			for _, e := range ends {
				if nt.val == e {
					p.next()
					return body, e, nil
				}
			}
			s, err := p.statement()
			if err != nil {
				return nil, "", err
			}
			if s != nil {
				body = append(body, s)
			}
		default:
			return nil, "", synErr(t.line, "unexpected %s", t)
		}
	}
}

func tagList(ends []string) string {
	q := make([]string, len(ends))
	for i, e := range ends {
		q[i] = "'" + e + "'"
	}
	return strings.Join(q, " or ")
}

func (p *parser) endBlock() error {
	if p.peek().typ != tBlockEnd {
		return p.unexpected(p.peek(), "'end of statement block'")
	}
	p.next()
	return nil
}

func (p *parser) statement() (stmt, error) {
	t := p.next()
	switch t.val {
	case "if":
		return p.parseIf()
	case "for":
		return p.parseFor()
	case "set":
		return p.parseSet()
	case "macro":
		return p.parseMacro()
	case "call":
		return p.parseCallBlock()
	case "filter":
		return p.parseFilterBlock()
	case "with":
		return p.parseWith()
	case "include":
		return p.parseInclude()
	case "do":
		x, err := p.parseTuple(true, false)
		if err != nil {
			return nil, err
		}
		return &printN{x: &callN{fn: &nameN{"__discard__"}, args: []expr{x}}}, p.endBlock()
	}
	return nil, synErr(t.line, "Encountered unknown tag '%s'.", t.val)
}

func (p *parser) parseIf() (stmt, error) {
	cond, err := p.parseTuple(false, false)
	if err != nil {
		return nil, err
	}
	if err := p.endBlock(); err != nil {
		return nil, err
	}
	body, end, err := p.subparse([]string{"elif", "else", "endif"})
	if err != nil {
		return nil, err
	}
	n := &ifN{cond: cond, body: body}
	switch end {
	case "elif":
		sub, err := p.parseIf()
		if err != nil {
			return nil, err
		}
		n.els = []stmt{sub}
	case "else":
		if err := p.endBlock(); err != nil {
			return nil, err
		}
		n.els, _, err = p.subparse([]string{"endif"})
		if err != nil {
			return nil, err
		}
		if err := p.endBlock(); err != nil {
			return nil, err
		}
	default:
		if err := p.endBlock(); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func (p *parser) parseAssignTarget() (expr, error) {
	var items []expr
	paren := p.skipOp("(")
	for {
		name, err := p.expectName()
		if err != nil {
			return nil, err
		}
		items = append(items, &nameN{name})
		if !p.skipOp(",") {
			break
		}
		if p.peek().typ != tName {
			break
		}
	}
	if paren {
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
	}
	if len(items) == 1 && !paren {
		return items[0], nil
	}
	return &tupleN{items}, nil
}

func (p *parser) parseFor() (stmt, error) {
	target, err := p.parseAssignTarget()
	if err != nil {
		return nil, err
	}
	if !p.skipName("in") {
		return nil, p.unexpected(p.peek(), "'in'")
	}
	iter, err := p.parseTuple(false, false)
	if err != nil {
		return nil, err
	}
	n := &forN{target: target, iter: iter}
	if p.skipName("if") {
		if n.filter, err = p.parseTuple(false, false); err != nil {
			return nil, err
		}
	}
	n.recursive = p.skipName("recursive")
	if err := p.endBlock(); err != nil {
		return nil, err
	}
	body, end, err := p.subparse([]string{"endfor", "else"})
	if err != nil {
		return nil, err
	}
	n.body = body
	if end == "else" {
		if err := p.endBlock(); err != nil {
			return nil, err
		}
		if n.els, _, err = p.subparse([]string{"endfor"}); err != nil {
			return nil, err
		}
	}
	return n, p.endBlock()
}

func (p *parser) parseSet() (stmt, error) {
	if p.peek().typ == tName && p.look(1).typ == tOp && p.look(1).val == "." && p.look(2).typ == tName {
		ns := p.next().val
		p.next()
		attr := p.next().val
		if err := p.expectOp("="); err != nil {
			return nil, err
		}
		x, err := p.parseTuple(false, false)
		if err != nil {
			return nil, err
		}
		return &setN{target: &getattrN{x: &nameN{ns}, attr: attr}, x: x}, p.endBlock()
	}
	target, err := p.parseAssignTarget()
	if err != nil {
		return nil, err
	}
	if p.skipOp("=") {
		x, err := p.parseTuple(false, false)
		if err != nil {
			return nil, err
		}
		return &setN{target: target, x: x}, p.endBlock()
	}
	name, ok := target.(*nameN)
	if !ok {
		return nil, p.unexpected(p.peek(), "'='")
	}
	n := &setBlockN{name: name.name}
	if p.isOp("|") {
		f, err := p.parseFilterChain()
		if err != nil {
			return nil, err
		}
		n.filter = f
	}
	if err := p.endBlock(); err != nil {
		return nil, err
	}
	if n.body, _, err = p.subparse([]string{"endset"}); err != nil {
		return nil, err
	}
	return n, p.endBlock()
}

// parseFilterChain reads "| f1(args) | f2" with a nil innermost operand.
func (p *parser) parseFilterChain() (*filterN, error) {
	var cur expr
	first := true
	for first || p.isOp("|") {
		if !first || p.isOp("|") {
			p.next()
		}
		first = false
		f, err := p.parseFilter(cur)
		if err != nil {
			return nil, err
		}
		cur = f
	}
	return cur.(*filterN), nil
}

func (p *parser) parseSignature() ([]string, []expr, error) {
	if err := p.expectOp("("); err != nil {
		return nil, nil, err
	}
	var params []string
	var defs []expr
	for !p.isOp(")") {
		if len(params) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, nil, err
			}
			if p.isOp(")") {
				break
			}
		}
		name, err := p.expectName()
		if err != nil {
			return nil, nil, err
		}
		params = append(params, name)
		if p.skipOp("=") {
			d, err := p.parseExpression(true)
			if err != nil {
				return nil, nil, err
			}
			defs = append(defs, d)
		} else if len(defs) > 0 {
			return nil, nil, synErr(p.peek().line, "non-default argument follows default argument")
		}
	}
	p.next()
	return params, defs, nil
}

func (p *parser) parseMacro() (stmt, error) {
	name, err := p.expectName()
	if err != nil {
		return nil, err
	}
	params, defs, err := p.parseSignature()
	if err != nil {
		return nil, err
	}
	if err := p.endBlock(); err != nil {
		return nil, err
	}
	body, _, err := p.subparse([]string{"endmacro"})
	if err != nil {
		return nil, err
	}
	return &macroN{name: name, params: params, defaults: defs, body: body}, p.endBlock()
}

func (p *parser) parseCallBlock() (stmt, error) {
	n := &callBlockN{}
	var err error
	if p.isOp("(") {
		if n.params, n.defs, err = p.parseSignature(); err != nil {
			return nil, err
		}
	}
	x, err := p.parseExpression(true)
	if err != nil {
		return nil, err
	}
	c, ok := x.(*callN)
	if !ok {
		return nil, synErr(p.peek().line, "expected call")
	}
	n.call = c
	if err := p.endBlock(); err != nil {
		return nil, err
	}
	if n.body, _, err = p.subparse([]string{"endcall"}); err != nil {
		return nil, err
	}
	return n, p.endBlock()
}

func (p *parser) parseFilterBlock() (stmt, error) {
	f, err := p.parseFilter(nil)
	if err != nil {
		return nil, err
	}
	var cur expr = f
	for p.skipOp("|") {
		if cur, err = p.parseFilter(cur); err != nil {
			return nil, err
		}
	}
	if err := p.endBlock(); err != nil {
		return nil, err
	}
	body, _, err := p.subparse([]string{"endfilter"})
	if err != nil {
		return nil, err
	}
	return &filterBlockN{filter: cur.(*filterN), body: body}, p.endBlock()
}

func (p *parser) parseWith() (stmt, error) {
	n := &withN{}
	for p.peek().typ != tBlockEnd {
		if len(n.targets) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		name, err := p.expectName()
		if err != nil {
			return nil, err
		}
		if err := p.expectOp("="); err != nil {
			return nil, err
		}
		v, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		n.targets = append(n.targets, &nameN{name})
		n.values = append(n.values, v)
	}
	p.next()
	body, _, err := p.subparse([]string{"endwith"})
	if err != nil {
		return nil, err
	}
	n.body = body
	return n, p.endBlock()
}

func (p *parser) parseInclude() (stmt, error) {
	x, err := p.parseExpression(true)
	if err != nil {
		return nil, err
	}
	n := &includeN{tmpl: x}
	if p.isName("ignore") && p.look(1).typ == tName && p.look(1).val == "missing" {
		p.next()
		p.next()
		n.ignoreMissing = true
	}
	if (p.isName("with") || p.isName("without")) && p.look(1).typ == tName && p.look(1).val == "context" {
		p.next()
		p.next()
	}
	return n, p.endBlock()
}

// parseTuple parses an expression or a bare tuple ("a, b").
func (p *parser) parseTuple(withCond, simplified bool) (expr, error) {
	if p.tupleEnd() {
		t := p.peek()
		if t.typ == tErr {
			return nil, synErr(t.line, "%s", t.val)
		}
		return nil, synErr(t.line, "Expected an expression, got %s", tokDesc(t))
	}
	var items []expr
	trailingComma := false
	for {
		if len(items) > 0 {
			if !p.skipOp(",") {
				break
			}
			trailingComma = true
			if p.tupleEnd() {
				break
			}
		}
		var x expr
		var err error
		if simplified {
			x, err = p.parseUnaryPrimary()
		} else {
			x, err = p.parseExpression(withCond)
		}
		if err != nil {
			return nil, err
		}
		items = append(items, x)
		trailingComma = false
		if !p.isOp(",") {
			break
		}
	}
	if len(items) == 1 && !trailingComma {
		return items[0], nil
	}
	return &tupleN{items}, nil
}

func (p *parser) tupleEnd() bool {
	t := p.peek()
	switch t.typ {
	case tVarEnd, tBlockEnd, tEOF:
		return true
	case tOp:
		return t.val == ")" || t.val == "]" || t.val == "}"
	case tName:
		return t.val == "in" || t.val == "if" || t.val == "recursive"
	}
	return false
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return synErr(p.peek().line, "expression nested too deeply")
	}
	return nil
}

func (p *parser) parseExpression(withCond bool) (expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	if !withCond {
		return p.parseOr()
	}
	x, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	for p.skipName("if") {
		test, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		var els expr
		if p.skipName("else") {
			if els, err = p.parseExpression(true); err != nil {
				return nil, err
			}
		}
		x = &condN{test: test, then: x, els: els}
	}
	return x, nil
}

func (p *parser) parseOr() (expr, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.skipName("or") {
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = &binN{"or", l, r}
	}
	return l, nil
}

func (p *parser) parseAnd() (expr, error) {
	l, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for p.skipName("and") {
		r, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		l = &binN{"and", l, r}
	}
	return l, nil
}

func (p *parser) parseNot() (expr, error) {
	if p.isName("not") {
		p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return &unaryN{"not", x}, nil
	}
	return p.parseCompare()
}

func (p *parser) parseCompare() (expr, error) {
	x, err := p.parseMath1()
	if err != nil {
		return nil, err
	}
	var ops []cmpOp
	for {
		t := p.peek()
		var op string
		switch {
		case t.typ == tOp && (t.val == "==" || t.val == "!=" || t.val == "<" || t.val == "<=" || t.val == ">" || t.val == ">="):
			op = t.val
			p.next()
		case t.typ == tName && t.val == "in":
			op = "in"
			p.next()
		case t.typ == tName && t.val == "not" && p.look(1).typ == tName && p.look(1).val == "in":
			op = "notin"
			p.next()
			p.next()
		}
		if op == "" {
			break
		}
		r, err := p.parseMath1()
		if err != nil {
			return nil, err
		}
		ops = append(ops, cmpOp{op, r})
	}
	if ops == nil {
		return x, nil
	}
	return &cmpN{x, ops}, nil
}

func (p *parser) parseMath1() (expr, error) {
	l, err := p.parseConcat()
	if err != nil {
		return nil, err
	}
	for p.isOp("+") || p.isOp("-") {
		op := p.next().val
		r, err := p.parseConcat()
		if err != nil {
			return nil, err
		}
		l = &binN{op, l, r}
	}
	return l, nil
}

func (p *parser) parseConcat() (expr, error) {
	l, err := p.parseMath2()
	if err != nil {
		return nil, err
	}
	for p.skipOp("~") {
		r, err := p.parseMath2()
		if err != nil {
			return nil, err
		}
		l = &binN{"~", l, r}
	}
	return l, nil
}

func (p *parser) parseMath2() (expr, error) {
	l, err := p.parsePow()
	if err != nil {
		return nil, err
	}
	for p.isOp("*") || p.isOp("/") || p.isOp("//") || p.isOp("%") {
		op := p.next().val
		r, err := p.parsePow()
		if err != nil {
			return nil, err
		}
		l = &binN{op, l, r}
	}
	return l, nil
}

func (p *parser) parsePow() (expr, error) {
	l, err := p.parseUnary(true)
	if err != nil {
		return nil, err
	}
	for p.skipOp("**") {
		r, err := p.parseUnary(true)
		if err != nil {
			return nil, err
		}
		l = &binN{"**", l, r}
	}
	return l, nil
}

func (p *parser) parseUnaryPrimary() (expr, error) { return p.parseUnary(false) }

func (p *parser) parseUnary(withFilter bool) (expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	var x expr
	var err error
	if p.isOp("-") || p.isOp("+") {
		op := p.next().val
		inner, err := p.parseUnary(false)
		if err != nil {
			return nil, err
		}
		x = &unaryN{op, inner}
	} else if x, err = p.parsePrimary(); err != nil {
		return nil, err
	}
	if x, err = p.parsePostfix(x); err != nil {
		return nil, err
	}
	if withFilter {
		return p.parseFilterExpr(x)
	}
	return x, nil
}

func (p *parser) parsePrimary() (expr, error) {
	t := p.peek()
	switch t.typ {
	case tName:
		p.next()
		switch t.val {
		case "true", "True":
			return &constN{true}, nil
		case "false", "False":
			return &constN{false}, nil
		case "none", "None":
			return &constN{nil}, nil
		}
		return &nameN{t.val}, nil
	case tString:
		p.next()
		s := t.val
		for p.peek().typ == tString {
			s += p.next().val
		}
		return &constN{s}, nil
	case tInt:
		p.next()
		return &constN{parseIntLit(t.val)}, nil
	case tFloat:
		p.next()
		f, err := strconv.ParseFloat(t.val, 64)
		if err != nil {
			return nil, synErr(t.line, "bad float %s", t.val)
		}
		return &constN{f}, nil
	case tOp:
		switch t.val {
		case "(":
			p.next()
			if p.skipOp(")") {
				return &tupleN{}, nil
			}
			x, err := p.parseTuple(true, false)
			if err != nil {
				return nil, err
			}
			return x, p.expectOp(")")
		case "[":
			p.next()
			var items []expr
			for !p.isOp("]") {
				if len(items) > 0 {
					if err := p.expectOp(","); err != nil {
						return nil, err
					}
					if p.isOp("]") {
						break
					}
				}
				x, err := p.parseExpression(true)
				if err != nil {
					return nil, err
				}
				items = append(items, x)
			}
			p.next()
			return &listN{items}, nil
		case "{":
			p.next()
			d := &dictN{}
			for !p.isOp("}") {
				if len(d.keys) > 0 {
					if err := p.expectOp(","); err != nil {
						return nil, err
					}
					if p.isOp("}") {
						break
					}
				}
				k, err := p.parseExpression(true)
				if err != nil {
					return nil, err
				}
				if err := p.expectOp(":"); err != nil {
					return nil, err
				}
				v, err := p.parseExpression(true)
				if err != nil {
					return nil, err
				}
				d.keys = append(d.keys, k)
				d.vals = append(d.vals, v)
			}
			p.next()
			return d, nil
		}
	}
	switch t.typ {
	case tErr:
		return nil, synErr(t.line, "%s", t.val)
	case tEOF:
		return nil, synErr(t.line, "unexpected end of template, expected 'end of print statement'.")
	}
	return nil, synErr(t.line, "unexpected %s", tokDesc(t))
}

// parseIntLit converts a Jinja2 integer literal; huge values become big ints.
func parseIntLit(s string) any {
	base := 10
	if len(s) > 2 && s[0] == '0' {
		switch s[1] {
		case 'x', 'X':
			base, s = 16, s[2:]
		case 'o', 'O':
			base, s = 8, s[2:]
		case 'b', 'B':
			base, s = 2, s[2:]
		}
	}
	if v, err := strconv.ParseInt(s, base, 64); err == nil {
		return int(v)
	}
	b, _ := new(big.Int).SetString(s, base)
	f, _ := new(big.Float).SetInt(b).Float64()
	return f
}

func (p *parser) parsePostfix(x expr) (expr, error) {
	for {
		switch {
		case p.isOp("."):
			p.next()
			t := p.next()
			switch t.typ {
			case tName:
				x = &getattrN{x, t.val}
			case tInt:
				x = &getitemN{x, &constN{parseIntLit(t.val)}}
			default:
				return nil, synErr(t.line, "expected name or number")
			}
		case p.isOp("["):
			p.next()
			var idx []expr
			for !p.isOp("]") {
				if len(idx) > 0 {
					if err := p.expectOp(","); err != nil {
						return nil, err
					}
					if p.isOp("]") {
						break
					}
				}
				s, err := p.parseSubscribed()
				if err != nil {
					return nil, err
				}
				idx = append(idx, s)
			}
			p.next()
			if len(idx) == 0 {
				return nil, synErr(p.peek().line, "expected subscript expression")
			}
			if sl, ok := idx[0].(*sliceN); ok && len(idx) == 1 {
				sl.x = x
				x = sl
			} else if len(idx) == 1 {
				x = &getitemN{x, idx[0]}
			} else {
				x = &getitemN{x, &tupleN{idx}}
			}
		case p.isOp("("):
			c, err := p.parseCall(x)
			if err != nil {
				return nil, err
			}
			x = c
		default:
			return x, nil
		}
	}
}

func (p *parser) parseSubscribed() (expr, error) {
	var parts [3]expr
	if !p.isOp(":") {
		x, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		if !p.isOp(":") {
			return x, nil
		}
		parts[0] = x
	}
	p.next() // ':'
	if !p.isOp("]") && !p.isOp(",") && !p.isOp(":") {
		x, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		parts[1] = x
	}
	if p.skipOp(":") {
		if !p.isOp("]") && !p.isOp(",") {
			x, err := p.parseExpression(true)
			if err != nil {
				return nil, err
			}
			parts[2] = x
		}
	}
	return &sliceN{lo: parts[0], hi: parts[1], step: parts[2]}, nil
}

func (p *parser) parseArgs() ([]expr, []kwarg, expr, expr, error) {
	if err := p.expectOp("("); err != nil {
		return nil, nil, nil, nil, err
	}
	var args []expr
	var kwargs []kwarg
	var star, dstar expr
	first := true
	for !p.isOp(")") {
		if !first {
			if err := p.expectOp(","); err != nil {
				return nil, nil, nil, nil, err
			}
			if p.isOp(")") {
				break
			}
		}
		first = false
		switch {
		case p.isOp("*"):
			p.next()
			x, err := p.parseExpression(true)
			if err != nil {
				return nil, nil, nil, nil, err
			}
			star = x
		case p.isOp("**"):
			p.next()
			x, err := p.parseExpression(true)
			if err != nil {
				return nil, nil, nil, nil, err
			}
			dstar = x
		case p.peek().typ == tName && p.look(1).typ == tOp && p.look(1).val == "=":
			name := p.next().val
			p.next()
			x, err := p.parseExpression(true)
			if err != nil {
				return nil, nil, nil, nil, err
			}
			kwargs = append(kwargs, kwarg{name, x})
		default:
			if len(kwargs) > 0 || dstar != nil {
				return nil, nil, nil, nil, synErr(p.peek().line, "Invalid argument syntax")
			}
			x, err := p.parseExpression(true)
			if err != nil {
				return nil, nil, nil, nil, err
			}
			args = append(args, x)
		}
	}
	p.next()
	return args, kwargs, star, dstar, nil
}

func (p *parser) parseCall(fn expr) (expr, error) {
	args, kwargs, star, dstar, err := p.parseArgs()
	if err != nil {
		return nil, err
	}
	return &callN{fn: fn, args: args, kwargs: kwargs, star: star, dstar: dstar}, nil
}

func (p *parser) parseDottedName() (string, error) {
	name, err := p.expectName()
	if err != nil {
		return "", err
	}
	for p.isOp(".") && p.look(1).typ == tName {
		p.next()
		name += "." + p.next().val
	}
	return name, nil
}

func (p *parser) parseFilter(x expr) (*filterN, error) {
	name, err := p.parseDottedName()
	if err != nil {
		return nil, err
	}
	f := &filterN{x: x, name: name}
	if p.isOp("(") {
		if f.args, f.kwargs, f.star, f.dstar, err = p.parseArgs(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (p *parser) parseFilterExpr(x expr) (expr, error) {
	for {
		switch {
		case p.isOp("|"):
			p.next()
			f, err := p.parseFilter(x)
			if err != nil {
				return nil, err
			}
			x = f
		case p.isName("is"):
			p.next()
			neg := p.skipName("not")
			name, err := p.parseDottedName()
			if err != nil {
				return nil, err
			}
			tn := &testN{x: x, name: name}
			t := p.peek()
			if p.isOp("(") {
				args, kwargs, _, _, err := p.parseArgs()
				if err != nil {
					return nil, err
				}
				tn.args, tn.kwargs = args, kwargs
			} else if (t.typ == tName || t.typ == tString || t.typ == tInt || t.typ == tFloat || (t.typ == tOp && (t.val == "[" || t.val == "{"))) &&
				!(t.typ == tName && (t.val == "else" || t.val == "or" || t.val == "and")) {
				if t.typ == tName && t.val == "is" {
					return nil, synErr(t.line, "You cannot chain multiple tests with is")
				}
				arg, err := p.parseUnary(false)
				if err != nil {
					return nil, err
				}
				arg, err = p.parsePostfix(arg)
				if err != nil {
					return nil, err
				}
				tn.args = []expr{arg}
			}
			x = tn
			if neg {
				x = &unaryN{"not", tn}
			}
		case p.isOp("("):
			c, err := p.parseCall(x)
			if err != nil {
				return nil, err
			}
			x = c
		default:
			return x, nil
		}
	}
}
