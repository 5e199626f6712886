package inventory

import (
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// parseINIValue types a value from an INI inventory as Ansible does with
// Python's ast.literal_eval: numbers, strings in quotes, True/False/None,
// lists, tuples and dicts become those values; anything literal_eval
// rejects stays the string it was.
//
// Values the Go side cannot hold as Python does are approximated: a dict
// key that is not a string becomes its JSON spelling ("1", "true"), a
// tuple or set becomes a list, an int beyond 64 bits is a *big.Int, and a
// complex number stays a string.
func parseINIValue(s string) any {
	v, err := literalEval(s)
	if err != nil {
		return s
	}
	return v
}

var errNotLiteral = errors.New("not a Python literal")

// literalEval parses s as a Python literal expression.
func literalEval(s string) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, errNotLiteral
		}
	}()
	p := &pyParser{src: []rune(strings.TrimLeft(s, " \t"))}
	v, err = p.exprList(true)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return nil, errNotLiteral
	}
	return v, nil
}

type pyParser struct {
	src   []rune
	pos   int
	depth int // bracket nesting: newlines are whitespace inside brackets
}

func (p *pyParser) peek() rune {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *pyParser) skipSpace() {
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\f':
			p.pos++
		case (c == '\n' || c == '\r') && p.depth > 0:
			p.pos++
		case c == '\\' && p.pos+1 < len(p.src) && p.src[p.pos+1] == '\n':
			p.pos += 2
		case c == '#':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' && p.src[p.pos] != '\r' {
				p.pos++
			}
		case (c == '\n' || c == '\r') && p.depth == 0:
			// A trailing newline ends the expression; anything after it is
			// a syntax error, caught by the caller's end check.
			rest := strings.TrimSpace(string(p.src[p.pos:]))
			if rest == "" {
				p.pos = len(p.src)
			}
			return
		default:
			return
		}
	}
}

// exprList reads "a" or "a, b, ..." (a tuple when a comma is present).
func (p *pyParser) exprList(top bool) (any, error) {
	first, err := p.expr()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.peek() != ',' {
		return first, nil
	}
	items := []any{first}
	for p.peek() == ',' {
		p.pos++
		p.skipSpace()
		if p.pos == len(p.src) || p.peek() == ')' || (!top && p.peek() == ']') {
			break
		}
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		p.skipSpace()
	}
	return items, nil
}

// expr reads one literal, with an optional sign and the a+bj form.
func (p *pyParser) expr() (any, error) {
	p.skipSpace()
	v, err := p.signed()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if c := p.peek(); c == '+' || c == '-' {
		// Only "real + imaginary" is a literal; omeprov keeps complex
		// numbers as text, which makes the whole value a string.
		return nil, errNotLiteral
	}
	return v, nil
}

func (p *pyParser) signed() (any, error) {
	c := p.peek()
	if c != '+' && c != '-' {
		return p.atom()
	}
	p.pos++
	p.skipSpace()
	v, err := p.atom()
	if err != nil {
		return nil, err
	}
	neg := c == '-'
	switch n := v.(type) {
	case int:
		if neg {
			if n == -n && n != 0 { // math.MinInt
				return new(big.Int).Neg(big.NewInt(int64(n))), nil
			}
			return -n, nil
		}
		return n, nil
	case *big.Int:
		if neg {
			r := new(big.Int).Neg(n)
			if r.IsInt64() {
				return int(r.Int64()), nil
			}
			return r, nil
		}
		return n, nil
	case float64:
		if neg {
			return -n, nil
		}
		return n, nil
	}
	return nil, errNotLiteral
}

func (p *pyParser) atom() (any, error) {
	p.skipSpace()
	if p.depth > 200 {
		return nil, errNotLiteral
	}
	c := p.peek()
	switch {
	case c == 0:
		return nil, errNotLiteral
	case c == '[':
		p.pos++
		p.depth++
		items, err := p.items(']')
		p.depth--
		return items, err
	case c == '(':
		p.pos++
		p.depth++
		defer func() { p.depth-- }()
		p.skipSpace()
		if p.peek() == ')' {
			p.pos++
			return []any{}, nil
		}
		v, err := p.exprList(false)
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.peek() != ')' {
			return nil, errNotLiteral
		}
		p.pos++
		return v, nil
	case c == '{':
		p.pos++
		p.depth++
		defer func() { p.depth-- }()
		return p.dictOrSet()
	case c >= '0' && c <= '9' || c == '.' && p.pos+1 < len(p.src) && p.src[p.pos+1] >= '0' && p.src[p.pos+1] <= '9':
		return p.number()
	case c == '\'' || c == '"':
		return p.strings("")
	case isIdentStart(c):
		start := p.pos
		for p.pos < len(p.src) && isIdentChar(p.src[p.pos]) {
			p.pos++
		}
		word := string(p.src[start:p.pos])
		if q := p.peek(); (q == '\'' || q == '"') && isStringPrefix(word) {
			return p.strings(strings.ToLower(word))
		}
		switch word {
		case "True":
			return true, nil
		case "False":
			return false, nil
		case "None":
			return nil, nil
		}
	}
	return nil, errNotLiteral
}

func isIdentStart(c rune) bool { return c == '_' || unicode.IsLetter(c) }
func isIdentChar(c rune) bool  { return c == '_' || unicode.IsLetter(c) || unicode.IsDigit(c) }

func isStringPrefix(w string) bool {
	switch strings.ToLower(w) {
	case "r", "u", "b", "br", "rb":
		return true
	}
	return false // f-strings are not literals
}

func (p *pyParser) items(end rune) ([]any, error) {
	out := []any{}
	for {
		p.skipSpace()
		if p.peek() == end {
			p.pos++
			return out, nil
		}
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
		case end:
		default:
			return nil, errNotLiteral
		}
	}
}

func (p *pyParser) dictOrSet() (any, error) {
	p.skipSpace()
	if p.peek() == '}' {
		p.pos++
		return map[string]any{}, nil
	}
	first, err := p.expr()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.peek() != ':' {
		// A set: Ansible cannot print one; keep its items as a list.
		items := []any{first}
		for {
			switch p.peek() {
			case '}':
				p.pos++
				return items, nil
			case ',':
				p.pos++
				p.skipSpace()
				if p.peek() == '}' {
					continue
				}
				v, err := p.expr()
				if err != nil {
					return nil, err
				}
				items = append(items, v)
				p.skipSpace()
			default:
				return nil, errNotLiteral
			}
		}
	}
	out := map[string]any{}
	key := first
	for {
		p.pos++ // ':'
		k, ok := dictKey(key)
		if !ok {
			return nil, errNotLiteral
		}
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		out[k] = v
		p.skipSpace()
		switch p.peek() {
		case '}':
			p.pos++
			return out, nil
		case ',':
			p.pos++
			p.skipSpace()
			if p.peek() == '}' {
				p.pos++
				return out, nil
			}
			key, err = p.expr()
			if err != nil {
				return nil, err
			}
			p.skipSpace()
			if p.peek() != ':' {
				return nil, errNotLiteral
			}
		default:
			return nil, errNotLiteral
		}
	}
}

// dictKey spells a Python dict key as json.dumps would.
func dictKey(k any) (string, bool) {
	switch k := k.(type) {
	case string:
		return k, true
	case nil:
		return "null", true
	case bool:
		return strconv.FormatBool(k), true
	case int:
		return strconv.Itoa(k), true
	case *big.Int:
		return k.String(), true
	case float64:
		return pyFloat(k), true
	}
	return "", false // lists and dicts are unhashable
}

func (p *pyParser) number() (any, error) {
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '.' {
			p.pos++
			continue
		}
		if (c == '+' || c == '-') && p.pos > start {
			prev := p.src[p.pos-1]
			lit := strings.ToLower(string(p.src[start:p.pos]))
			if (prev == 'e' || prev == 'E') && !strings.HasPrefix(lit, "0x") {
				p.pos++
				continue
			}
		}
		break
	}
	return parsePyNumber(string(p.src[start:p.pos]))
}

// parsePyNumber reads a Python int or float literal.
func parsePyNumber(lit string) (any, error) {
	low := strings.ToLower(lit)
	if strings.HasSuffix(low, "j") {
		return nil, errNotLiteral // complex
	}
	if !validUnderscores(low) {
		return nil, errNotLiteral
	}
	clean := strings.ReplaceAll(low, "_", "")
	base := 10
	digits := clean
	switch {
	case strings.HasPrefix(clean, "0x"):
		base, digits = 16, clean[2:]
	case strings.HasPrefix(clean, "0o"):
		base, digits = 8, clean[2:]
	case strings.HasPrefix(clean, "0b"):
		base, digits = 2, clean[2:]
	}
	if base != 10 || !strings.ContainsAny(clean, ".e") {
		if digits == "" {
			return nil, errNotLiteral
		}
		if base == 10 && len(digits) > 1 && digits[0] == '0' && strings.Trim(digits, "0") != "" {
			return nil, errNotLiteral // 0644 is a syntax error in Python 3
		}
		n, ok := new(big.Int).SetString(digits, base)
		if !ok {
			return nil, errNotLiteral
		}
		if n.IsInt64() {
			return int(n.Int64()), nil
		}
		return n, nil
	}
	// A float: digits [. digits] [e [+-] digits], at least one digit.
	mant, exp, hasExp := strings.Cut(clean, "e")
	if hasExp {
		e := strings.TrimLeft(exp, "+-")
		if len(exp)-len(e) > 1 || e == "" || strings.Trim(e, "0123456789") != "" {
			return nil, errNotLiteral
		}
	}
	ip, fp, _ := strings.Cut(mant, ".")
	if ip+fp == "" || strings.Trim(ip+fp, "0123456789") != "" || strings.Count(mant, ".") > 1 {
		return nil, errNotLiteral
	}
	f, err := strconv.ParseFloat(clean, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return f, nil // Python gives inf or 0.0 too
		}
		return nil, errNotLiteral
	}
	return f, nil
}

// validUnderscores checks Python's rule: an underscore only between digits
// (or right after a base prefix).
func validUnderscores(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '_' {
			continue
		}
		if i == 0 || i == len(s)-1 || s[i+1] == '_' {
			return false
		}
		prev, next := s[i-1], s[i+1]
		okPrev := isHexDigit(prev) || (i == 2 && s[0] == '0' && (prev == 'x' || prev == 'o' || prev == 'b'))
		if !okPrev || !isHexDigit(next) {
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }

// strings reads one or more adjacent string literals (Python concatenates
// them); prefix is the lower-cased prefix of the first one.
func (p *pyParser) strings(prefix string) (any, error) {
	var (
		out     strings.Builder
		isBytes = strings.Contains(prefix, "b")
	)
	for {
		s, err := p.stringLit(strings.Contains(prefix, "r"), strings.Contains(prefix, "b"))
		if err != nil {
			return nil, err
		}
		out.WriteString(s)
		p.skipSpace()
		// Another literal may follow, with its own prefix.
		save := p.pos
		start := p.pos
		for p.pos < len(p.src) && isIdentChar(p.src[p.pos]) {
			p.pos++
		}
		word := string(p.src[start:p.pos])
		if q := p.peek(); (q == '\'' || q == '"') && (word == "" || isStringPrefix(word)) {
			prefix = strings.ToLower(word)
			if strings.Contains(prefix, "b") != isBytes {
				return nil, errNotLiteral // cannot mix bytes and str
			}
			continue
		}
		p.pos = save
		break
	}
	s := out.String()
	if isBytes && !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s, nil
}

func (p *pyParser) stringLit(raw, isBytes bool) (string, error) {
	q := p.src[p.pos]
	triple := p.pos+2 < len(p.src) && p.src[p.pos+1] == q && p.src[p.pos+2] == q
	if triple {
		p.pos += 3
	} else {
		p.pos++
	}
	var out strings.Builder
	for {
		if p.pos >= len(p.src) {
			return "", errNotLiteral
		}
		c := p.src[p.pos]
		if c == q {
			if !triple {
				p.pos++
				return out.String(), nil
			}
			if p.pos+2 < len(p.src) && p.src[p.pos+1] == q && p.src[p.pos+2] == q {
				p.pos += 3
				return out.String(), nil
			}
		}
		if !triple && (c == '\n' || c == '\r') {
			return "", errNotLiteral
		}
		if isBytes && c > 0x7f {
			return "", errNotLiteral // bytes can only contain ASCII
		}
		if c != '\\' {
			out.WriteRune(c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.src) {
			return "", errNotLiteral
		}
		e := p.src[p.pos+1]
		if raw {
			out.WriteRune(c)
			out.WriteRune(e)
			p.pos += 2
			continue
		}
		p.pos += 2
		switch e {
		case '\n':
		case '\\', '\'', '"':
			out.WriteRune(e)
		case 'a':
			out.WriteByte('\a')
		case 'b':
			out.WriteByte('\b')
		case 'f':
			out.WriteByte('\f')
		case 'n':
			out.WriteByte('\n')
		case 'r':
			out.WriteByte('\r')
		case 't':
			out.WriteByte('\t')
		case 'v':
			out.WriteByte('\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			n := int(e - '0')
			for k := 0; k < 2 && p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '7'; k++ {
				n = n*8 + int(p.src[p.pos]-'0')
				p.pos++
			}
			if isBytes {
				out.WriteByte(byte(n))
			} else {
				out.WriteRune(rune(n))
			}
		case 'x', 'u', 'U':
			width := map[rune]int{'x': 2, 'u': 4, 'U': 8}[e]
			if isBytes && e != 'x' {
				out.WriteRune('\\')
				out.WriteRune(e)
				continue
			}
			if p.pos+width > len(p.src) {
				return "", errNotLiteral
			}
			n, err := strconv.ParseUint(string(p.src[p.pos:p.pos+width]), 16, 32)
			if err != nil || n > unicode.MaxRune {
				return "", errNotLiteral
			}
			p.pos += width
			if isBytes {
				out.WriteByte(byte(n))
			} else {
				out.WriteRune(rune(n))
			}
		default:
			// Unknown escapes keep their backslash (\N{...} included:
			// omeprov has no Unicode name table).
			if e == 'N' && !isBytes {
				return "", errNotLiteral
			}
			out.WriteRune('\\')
			out.WriteRune(e)
		}
	}
}

// pyFloat spells a float as Python's repr does.
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	if f == 0 {
		if 1/f < 0 {
			return "-0.0"
		}
		return "0.0"
	}
	abs := f
	if abs < 0 {
		abs = -abs
	}
	if abs >= 1e16 || abs < 1e-4 {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		digits := strings.TrimLeft(exp[1:], "0")
		for len(digits) < 2 {
			digits = "0" + digits
		}
		return mant + "e" + string(sign) + digits
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
