package inventory

import (
	"errors"
	"strings"
)

// shlexSplit splits a line as Python's shlex.split(line, comments=True)
// does in POSIX mode, which is how Ansible's INI plugin reads a host line:
// words are separated by whitespace, '...' and "..." quote, a backslash
// escapes the next character outside single quotes, and # starts a comment.
func shlexSplit(line string) ([]string, error) {
	const whitespace = " \t\r\n"
	var (
		tokens  []string
		token   strings.Builder
		inWord  bool // a token is being built (possibly empty, from quotes)
		rs      = []rune(line)
		escaped bool
	)
	flush := func() {
		if inWord {
			tokens = append(tokens, token.String())
		}
		token.Reset()
		inWord = false
	}
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case escaped:
			token.WriteRune(c)
			escaped = false
		case c == '\\':
			escaped, inWord = true, true
		case strings.ContainsRune(whitespace, c):
			flush()
		case c == '#':
			flush()
			return tokens, nil
		case c == '\'' || c == '"':
			inWord = true
			closed := false
			for i++; i < len(rs); i++ {
				d := rs[i]
				if d == c {
					closed = true
					break
				}
				// In double quotes a backslash escapes only \ and ".
				if c == '"' && d == '\\' && i+1 < len(rs) && (rs[i+1] == '\\' || rs[i+1] == '"') {
					i++
					d = rs[i]
				} else if c == '"' && d == '\\' && i+1 == len(rs) {
					return nil, errors.New("No escaped character")
				}
				token.WriteRune(d)
			}
			if !closed {
				return nil, errors.New("No closing quotation")
			}
		default:
			inWord = true
			token.WriteRune(c)
		}
	}
	if escaped {
		return nil, errors.New("No escaped character")
	}
	flush()
	return tokens, nil
}
