package inventory

import (
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// The regular expressions of ansible.parsing.utils.addresses, rewritten for
// RE2 (the label's look-behind becomes an explicit last character).
var (
	numericRange  = `\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`
	hexRange      = `\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`
	alnumRange    = `\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`
	ipv6Component = `(?:[0-9a-f]{1,4}|` + hexRange + `)`
	ipv4Component = `(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|` + numericRange + `)`
	wordChar      = `[\p{L}\p{N}\p{Mn}_]`
	alnumChar     = `[\p{L}\p{N}\p{Mn}]`
	label         = `(?:(?:` + alnumChar + `|` + alnumRange + `)|(?:(?:` + wordChar + `|` + alnumRange + `)(?:` + wordChar + `|-|` + alnumRange + `)*(?:` + alnumChar + `|` + alnumRange + `)))`

	bracketedHostPortRe = regexp.MustCompile(`^\[(.+)\]:([0-9]+)$`)
	hostPortRe          = regexp.MustCompile(`^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$`)
	ipv4Re              = regexp.MustCompile(`(?i)^(?:` + ipv4Component + `\.){3}` + ipv4Component + `$`)
	// Python's pattern anchors only its last alternative at the end.
	ipv6Re = regexp.MustCompile(strings.ReplaceAll(`(?i)^(?:`+strings.Join([]string{
		`(?:{0}:){7}{0}`,
		`(?:{0}:){1,6}:`,
		`(?:{0}:)(?::{0}){1,6}`,
		`(?:{0}:){2}(?::{0}){1,5}`,
		`(?:{0}:){3}(?::{0}){1,4}`,
		`(?:{0}:){4}(?::{0}){1,3}`,
		`(?:{0}:){5}(?::{0}){1,2}`,
		`(?:{0}:){6}(?::{0})`,
		`:(?::{0}){1,6}`,
		`{0}?::`,
		`(?:0:){6}(?:{0}\.){3}{0}`,
		`::(?:ffff:)?(?:{0}\.){3}{0}`,
		`(?:0:){5}ffff:(?:{0}\.){3}{0}$`,
	}, "|")+`)`, "{0}", ipv6Component))
	hostnameRe = regexp.MustCompile(`(?i)^` + label + `(?:\.` + label + `)*$`)
)

// parseAddress is ansible.parsing.utils.addresses.parse_address: a host
// name, IPv4 or IPv6 address (ranges allowed if allowRanges) and an
// optional port. port is nil when none is given.
func parseAddress(address string, allowRanges bool) (string, *int, error) {
	var port *int
	for _, re := range []*regexp.Regexp{bracketedHostPortRe, hostPortRe} {
		if m := re.FindStringSubmatch(address); m != nil {
			p, err := strconv.Atoi(m[2])
			if err != nil {
				// Python ints do not overflow; such a port is useless anyway.
				return "", nil, fmt.Errorf("Not a valid port: %s", m[2])
			}
			address, port = m[1], &p
		}
	}
	if !ipv4Re.MatchString(address) && !ipv6Re.MatchString(address) && !hostnameRe.MatchString(address) {
		return "", nil, fmt.Errorf("Not a valid network hostname: %s", address)
	}
	if !allowRanges && strings.Contains(address, "[") {
		return "", nil, errors.New("Detected range in host but was asked to ignore ranges")
	}
	return address, port, nil
}

// maxExpandedHosts bounds a range expansion, against a pattern such as
// h[0:999999999] exhausting memory (Ansible has no bound).
const maxExpandedHosts = 1 << 20

// expandHostPattern is BaseInventoryPlugin._expand_hostpattern: the host
// names a pattern such as web[01:20].example.org:2222 stands for, and its port.
func expandHostPattern(pattern string) ([]string, *int, error) {
	name, port, err := parseAddress(pattern, true)
	if err != nil {
		name, port = pattern, nil
	}
	if !strings.Contains(name, "[") {
		return []string{name}, port, nil
	}
	count := 0
	hosts, err := expandHostnameRange(name, &count)
	return hosts, port, err
}

const asciiLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// expandHostnameRange is expand_hostname_range: head[beg:end:step]tail,
// recursively for every bracket.
func expandHostnameRange(line string, count *int) ([]string, error) {
	if line == "" {
		return nil, nil
	}
	repl := strings.Replace(strings.Replace(line, "[", "|", 1), "]", "|", 1)
	parts := strings.Split(repl, "|")
	if len(parts) != 3 {
		if len(parts) < 3 {
			return nil, fmt.Errorf("not enough values to unpack (expected 3, got %d)", len(parts))
		}
		return nil, fmt.Errorf("too many values to unpack (expected 3)")
	}
	head, nrange, tail := parts[0], parts[1], parts[2]
	bounds := strings.Split(nrange, ":")
	if len(bounds) != 2 && len(bounds) != 3 {
		return nil, errors.New("host range must be begin:end or begin:end:step")
	}
	beg, end, step := bounds[0], bounds[1], "1"
	if len(bounds) == 3 {
		step = bounds[2]
	}
	if beg == "" {
		beg = "0"
	}
	if end == "" {
		return nil, errors.New("host range must specify end value")
	}
	fill := func(s string) string { return s }
	if beg[0] == '0' && len(beg) > 1 {
		rlen := len([]rune(beg))
		if rlen != len([]rune(end)) {
			return nil, errors.New("host range must specify equal-length begin and end formats")
		}
		fill = func(s string) string { return zfill(s, rlen) }
	}
	var seq []string
	iBeg, iEnd := strings.Index(asciiLetters, beg), strings.Index(asciiLetters, end)
	if iBeg >= 0 && iEnd >= 0 {
		if iBeg > iEnd {
			return nil, errors.New("host range must have begin <= end")
		}
		st, ok := parsePyIntString(step)
		if !ok {
			return nil, fmt.Errorf("invalid literal for int() with base 10: '%s'", step)
		}
		if st == 0 {
			return nil, errors.New("slice step cannot be zero")
		}
		if st > 0 {
			for i := iBeg; i <= iEnd; i += st {
				seq = append(seq, asciiLetters[i:i+1])
			}
		}
	} else {
		b, ok1 := parsePyIntString(beg)
		e, ok2 := parsePyIntString(end)
		st, ok3 := parsePyIntString(step)
		for _, c := range []struct {
			ok bool
			s  string
		}{{ok1, beg}, {ok2, end}, {ok3, step}} {
			if !c.ok {
				return nil, fmt.Errorf("invalid literal for int() with base 10: '%s'", c.s)
			}
		}
		if st == 0 {
			return nil, errors.New("range() arg 3 must not be zero")
		}
		n := 0
		if st > 0 && e+1 > b {
			n = (e - b + st) / st
		} else if st < 0 && e+1 < b {
			n = (b - e - 1 - st - 1) / -st
		}
		if *count+n > maxExpandedHosts {
			return nil, fmt.Errorf("host range %s expands to more than %d hosts", line, maxExpandedHosts)
		}
		for i, v := 0, b; i < n; i, v = i+1, v+st {
			seq = append(seq, strconv.Itoa(v))
		}
	}
	var out []string
	for _, r := range seq {
		name := head + fill(r) + tail
		if strings.Contains(name, "[") {
			more, err := expandHostnameRange(name, count)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
			continue
		}
		*count++
		if *count > maxExpandedHosts {
			return nil, fmt.Errorf("host range %s expands to more than %d hosts", line, maxExpandedHosts)
		}
		out = append(out, name)
	}
	return out, nil
}

// zfill is Python's str.zfill.
func zfill(s string, width int) string {
	n := len([]rune(s))
	if n >= width {
		return s
	}
	pad := strings.Repeat("0", width-n)
	if s != "" && (s[0] == '-' || s[0] == '+') {
		return s[:1] + pad + s[1:]
	}
	return pad + s
}

// parsePyIntString reads a string as Python's int(s) does (base 10):
// surrounding whitespace, a sign and single underscores between digits.
func parsePyIntString(s string) (int, bool) {
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return 0, false
	}
	s = strings.ReplaceAll(s, "_", "")
	n, ok := new(big.Int).SetString(s, 10)
	if !ok || strings.ContainsAny(s, "+-") || !n.IsInt64() || n.Int64() > 1<<53 {
		return 0, false
	}
	v := int(n.Int64())
	if neg {
		v = -v
	}
	return v, true
}
