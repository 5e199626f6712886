package template

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokType is the kind of a lexer token.
type tokType int

const (
	tData tokType = iota
	tVarBegin
	tVarEnd
	tBlockBegin
	tBlockEnd
	tName
	tString
	tInt
	tFloat
	tOp
	tEOF
	// tErr is a lexer error, reported when the parser reaches it as Jinja2's
	// lazy token stream does.
	tErr
)

type token struct {
	typ  tokType
	val  string
	line int
}

func (t token) String() string {
	switch t.typ {
	case tEOF:
		return "end of template"
	case tVarEnd:
		return "end of print statement"
	case tBlockEnd:
		return "end of statement block"
	case tString:
		return "string"
	case tInt:
		return "integer"
	case tFloat:
		return "float"
	}
	return fmt.Sprintf("'%s'", t.val)
}

// syntax holds the Jinja2 environment settings that change lexing.
type syntax struct {
	blockStart, blockEnd     string
	varStart, varEnd         string
	commentStart, commentEnd string
	trimBlocks, lstripBlocks bool
	keepTrailingNewline      bool
	newline                  string
}

func defaultSyntax() syntax {
	return syntax{
		blockStart: "{%", blockEnd: "%}",
		varStart: "{{", varEnd: "}}",
		commentStart: "{#", commentEnd: "#}",
		trimBlocks: true, newline: "\n",
	}
}

// SyntaxError is a template that Jinja2 cannot parse.
type SyntaxError struct {
	Msg  string
	Line int
}

func (e *SyntaxError) Error() string { return e.Msg }

func synErr(line int, format string, a ...any) *SyntaxError {
	return &SyntaxError{Msg: fmt.Sprintf(format, a...), Line: line}
}

var newlineRe = regexp.MustCompile(`\r\n|\r|\n`)

// lexer turns a template source into a flat token stream like Jinja2's.
type lexer struct {
	src  string
	pos  int
	line int
	sx   syntax
	toks []token
	// stripNext says the next data token loses its leading whitespace (a "-" end marker).
	stripNext bool
	// trimNext says the next data token loses one leading newline (trim_blocks).
	trimNext bool
	// spans are the source ranges of string literals inside {{ }}.
	spans [][2]int
}

func lex(src string, sx syntax) (toks []token, err error) {
	if !sx.keepTrailingNewline {
		if strings.HasSuffix(src, "\r\n") {
			src = src[:len(src)-2]
		} else if strings.HasSuffix(src, "\n") || strings.HasSuffix(src, "\r") {
			src = src[:len(src)-1]
		}
	}
	l := &lexer{src: src, line: 1, sx: sx}
	if err := l.run(); err != nil {
		var se *SyntaxError
		if errors.As(err, &se) {
			l.toks = append(l.toks, token{typ: tErr, val: se.Msg, line: se.Line})
			return l.toks, nil
		}
		return nil, err
	}
	l.toks = append(l.toks, token{typ: tEOF, line: l.line})
	return l.toks, nil
}

func (l *lexer) emitData(s string) {
	if l.stripNext {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
	} else if l.trimNext {
		if strings.HasPrefix(s, "\r\n") {
			s = s[2:]
		} else if strings.HasPrefix(s, "\n") || strings.HasPrefix(s, "\r") {
			s = s[1:]
		}
	}
	l.stripNext, l.trimNext = false, false
	if s == "" {
		return
	}
	s = newlineRe.ReplaceAllString(s, l.sx.newline)
	l.toks = append(l.toks, token{typ: tData, val: s, line: l.line})
}

// nextStart finds the earliest start delimiter at or after l.pos.
func (l *lexer) nextStart() (int, string) {
	best, kind := -1, ""
	for _, k := range []string{l.sx.commentStart, l.sx.blockStart, l.sx.varStart} {
		if i := strings.Index(l.src[l.pos:], k); i >= 0 {
			i += l.pos
			// Prefer the longest delimiter at equal positions.
			if best < 0 || i < best || (i == best && len(k) > len(kind)) {
				best, kind = i, k
			}
		}
	}
	return best, kind
}

func (l *lexer) run() error {
	for l.pos < len(l.src) {
		start, kind := l.nextStart()
		if start < 0 {
			l.emitData(l.src[l.pos:])
			l.pos = len(l.src)
			break
		}
		data := l.src[l.pos:start]
		after := start + len(kind)
		minus := strings.HasPrefix(l.src[after:], "-")
		plus := strings.HasPrefix(l.src[after:], "+")
		if minus {
			data = strings.TrimRightFunc(data, unicode.IsSpace)
		} else if l.sx.lstripBlocks && !plus && kind != l.sx.varStart {
			// Strip spaces and tabs between the line start and the tag.
			j := len(data)
			for j > 0 && (data[j-1] == ' ' || data[j-1] == '\t') {
				j--
			}
			if (j == 0 && l.lineStartBefore(l.pos)) || (j > 0 && (data[j-1] == '\n' || data[j-1] == '\r')) {
				data = data[:j]
			}
		}
		l.emitData(data)
		l.line += strings.Count(l.src[l.pos:start], "\n")
		l.pos = after
		if minus || plus {
			l.pos++
		}
		var err error
		switch kind {
		case l.sx.commentStart:
			err = l.comment()
		case l.sx.blockStart:
			err = l.block()
		default:
			err = l.tag(tVarBegin, tVarEnd, l.sx.varEnd)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// lineStartBefore says whether position p is at the start of a line.
func (l *lexer) lineStartBefore(p int) bool {
	return p == 0 || l.src[p-1] == '\n' || l.src[p-1] == '\r'
}

func (l *lexer) comment() error {
	end := strings.Index(l.src[l.pos:], l.sx.commentEnd)
	if end < 0 {
		return synErr(l.line, "Missing end of comment tag")
	}
	body := l.src[l.pos : l.pos+end]
	l.line += strings.Count(body, "\n")
	l.pos += end + len(l.sx.commentEnd)
	if strings.HasSuffix(body, "-") {
		l.stripNext = true
	} else if l.sx.trimBlocks && !strings.HasSuffix(body, "+") {
		l.trimNext = true
	}
	return nil
}

var rawRe = regexp.MustCompile(`^\s*raw\s*([-+]?)`)

func (l *lexer) block() error {
	// {% raw %} ... {% endraw %} keeps its body verbatim.
	rest := l.src[l.pos:]
	if m := rawRe.FindStringSubmatchIndex(rest); m != nil && strings.HasPrefix(rest[m[1]:], l.sx.blockEnd) {
		bodyStart := l.pos + m[1] + len(l.sx.blockEnd)
		endRe := regexp.MustCompile(`(?s)` + regexp.QuoteMeta(l.sx.blockStart) + `(-?)\s*endraw\s*([-+]?)` + regexp.QuoteMeta(l.sx.blockEnd))
		em := endRe.FindStringSubmatchIndex(l.src[bodyStart:])
		if em == nil {
			return synErr(l.line, "Missing end of raw directive")
		}
		body := l.src[bodyStart : bodyStart+em[0]]
		if rest[m[2]:m[3]] == "-" {
			body = strings.TrimLeftFunc(body, unicode.IsSpace)
		}
		if em[3] > em[2] {
			body = strings.TrimRightFunc(body, unicode.IsSpace)
		} else if l.sx.lstripBlocks {
			j := len(body)
			for j > 0 && (body[j-1] == ' ' || body[j-1] == '\t') {
				j--
			}
			if j == 0 || body[j-1] == '\n' {
				body = body[:j]
			}
		}
		l.stripNext, l.trimNext = false, false
		if body != "" {
			l.toks = append(l.toks, token{typ: tData, val: newlineRe.ReplaceAllString(body, l.sx.newline), line: l.line})
		}
		l.line += strings.Count(l.src[l.pos:bodyStart+em[1]], "\n")
		after := l.src[bodyStart+em[4] : bodyStart+em[5]]
		l.pos = bodyStart + em[1]
		if after == "-" {
			l.stripNext = true
		} else if l.sx.trimBlocks && after != "+" {
			l.trimNext = true
		}
		return nil
	}
	return l.tag(tBlockBegin, tBlockEnd, l.sx.blockEnd)
}

var (
	nameRe  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*`)
	floatRe = regexp.MustCompile(`^(?:[0-9](?:_?[0-9])*\.[0-9](?:_?[0-9])*(?:[eE][+-]?[0-9](?:_?[0-9])*)?|[0-9](?:_?[0-9])*[eE][+-]?[0-9](?:_?[0-9])*)`)
	intRe   = regexp.MustCompile(`^(?:0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0[xX](?:_?[0-9a-fA-F])+|[0-9](?:_?[0-9])*)`)
)

// operators, longest first.
var operators = []string{"//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", "=", "<", ">", ";"}

// tag lexes the inside of a {{ }} or {% %} tag.
func (l *lexer) tag(begin, end tokType, endDelim string) error {
	l.toks = append(l.toks, token{typ: begin, line: l.line})
	var balance []byte
	for {
		// Skip whitespace.
		for l.pos < len(l.src) {
			r, n := utf8.DecodeRuneInString(l.src[l.pos:])
			if !unicode.IsSpace(r) {
				break
			}
			if r == '\n' {
				l.line++
			}
			l.pos += n
		}
		if l.pos >= len(l.src) {
			if end == tVarEnd {
				return synErr(l.line, "unexpected end of template, expected 'end of print statement'.")
			}
			return synErr(l.line, "unexpected end of template, expected 'end of statement block'.")
		}
		rest := l.src[l.pos:]
		if len(balance) == 0 {
			if strings.HasPrefix(rest, "-"+endDelim) || strings.HasPrefix(rest, "+"+endDelim) || strings.HasPrefix(rest, endDelim) {
				mark := rest[0]
				l.pos += len(endDelim)
				if mark == '-' || mark == '+' {
					l.pos++
				}
				l.toks = append(l.toks, token{typ: end, line: l.line})
				if mark == '-' {
					l.stripNext = true
				} else if end == tBlockEnd && l.sx.trimBlocks && mark != '+' {
					l.trimNext = true
				}
				return nil
			}
		}
		switch c := rest[0]; {
		case c == '"' || c == '\'':
			s, n, err := lexString(rest)
			if err != nil {
				return synErr(l.line, "unexpected char %s at %d", pyRepr(rest[:1]), l.pos)
			}
			l.toks = append(l.toks, token{typ: tString, val: s, line: l.line})
			if begin == tVarBegin {
				l.spans = append(l.spans, [2]int{l.pos, l.pos + n})
			}
			l.line += strings.Count(rest[:n], "\n")
			l.pos += n
			continue
		case c >= '0' && c <= '9':
			if m := floatRe.FindString(rest); m != "" {
				l.toks = append(l.toks, token{typ: tFloat, val: strings.ReplaceAll(m, "_", ""), line: l.line})
				l.pos += len(m)
				continue
			}
			m := intRe.FindString(rest)
			l.toks = append(l.toks, token{typ: tInt, val: strings.ReplaceAll(m, "_", ""), line: l.line})
			l.pos += len(m)
			continue
		}
		if m := nameRe.FindString(rest); m != "" {
			l.toks = append(l.toks, token{typ: tName, val: m, line: l.line})
			l.pos += len(m)
			continue
		}
		matched := false
		for _, op := range operators {
			if strings.HasPrefix(rest, op) {
				switch op {
				case "(", "[", "{":
					balance = append(balance, op[0])
				case ")", "]", "}":
					want := map[string]byte{")": '(', "]": '[', "}": '{'}[op]
					if len(balance) == 0 {
						return synErr(l.line, "unexpected '%s'", op)
					}
					if balance[len(balance)-1] != want {
						return synErr(l.line, "unexpected '%s', expected '%s'", op, closer(balance[len(balance)-1]))
					}
					balance = balance[:len(balance)-1]
				}
				l.toks = append(l.toks, token{typ: tOp, val: op, line: l.line})
				l.pos += len(op)
				matched = true
				break
			}
		}
		if !matched {
			r, _ := utf8.DecodeRuneInString(rest)
			return synErr(l.line, "unexpected char %s at %d", pyRepr(string(r)), l.pos)
		}
	}
}

func closer(b byte) string {
	switch b {
	case '(':
		return ")"
	case '[':
		return "]"
	}
	return "}"
}

// lexString reads a quoted string literal at the start of s and unescapes it
// as Jinja2 does (Python's unicode-escape).
func lexString(s string) (string, int, error) {
	q := s[0]
	i := 1
	for i < len(s) {
		switch s[i] {
		case '\\':
			i += 2
			continue
		case q:
			return unescape(s[1:i]), i + 1, nil
		}
		i++
	}
	return "", 0, fmt.Errorf("unexpected char %s at %d", pyRepr(string(q)), 0)
}

func unescape(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case '\n':
		case '\\':
			b.WriteByte('\\')
		case '\'':
			b.WriteByte('\'')
		case '"':
			b.WriteByte('"')
		case 'a':
			b.WriteByte(7)
		case 'b':
			b.WriteByte(8)
		case 'f':
			b.WriteByte(12)
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte(11)
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[s[i]]
			if i+n < len(s)+0 && i+1+n <= len(s) {
				var v rune
				ok := true
				for _, h := range s[i+1 : i+1+n] {
					d := strings.IndexRune("0123456789abcdef", unicode.ToLower(h))
					if d < 0 {
						ok = false
						break
					}
					v = v*16 + rune(d)
				}
				if ok {
					b.WriteRune(v)
					i += n
					continue
				}
			}
			b.WriteByte('\\')
			b.WriteByte(s[i])
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v, j := 0, i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				v = v*8 + int(s[j]-'0')
				j++
			}
			b.WriteRune(rune(v))
			i = j - 1
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// escapeBackslashes doubles backslashes in string literals inside {{ }}, as
// Ansible does for templates written in playbooks.
func escapeBackslashes(src string, sx syntax) string {
	if !strings.Contains(src, "\\") || !strings.Contains(src, sx.varStart) {
		return src
	}
	sx.keepTrailingNewline = true
	l := &lexer{src: src, line: 1, sx: sx}
	if err := l.run(); err != nil {
		return src
	}
	var b strings.Builder
	last := 0
	for _, sp := range l.spans {
		b.WriteString(src[last:sp[0]])
		b.WriteString(strings.ReplaceAll(src[sp[0]:sp[1]], "\\", "\\\\"))
		last = sp[1]
	}
	b.WriteString(src[last:])
	return b.String()
}
