// Package yaml11 reads YAML the way Ansible (PyYAML's SafeLoader) does:
// YAML 1.1 scalars, so yes/no/on/off are booleans, 0644 is an octal int and
// 1:30 is a sexagesimal int. gopkg.in/yaml.v3 parses; this package resolves
// the scalars, applies merge keys (<<) and keeps file:line:column in errors.
package yaml11

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ome/omeprov/internal/keyorder"
)

// Error is a YAML problem at a place in a file.
type Error struct {
	File   string
	Line   int
	Column int
	Msg    string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

var lineRe = regexp.MustCompile(`^yaml: line (\d+)(?:, column (\d+))?: (.*)$`)

// Parse reads every document of data. file is used in errors only.
// An empty input gives no documents.
func Parse(data []byte, file string) (docs []*yaml.Node, err error) {
	defer func() {
		// yaml.v3 has panicked on hostile input before; never let it escape.
		if r := recover(); r != nil {
			docs, err = nil, &Error{File: file, Msg: fmt.Sprintf("YAML parser failed: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, wrapErr(err, file)
		}
		docs = append(docs, &n)
	}
}

// ParseOne reads a single-document file; an empty file gives nil.
func ParseOne(data []byte, file string) (*yaml.Node, error) {
	docs, err := Parse(data, file)
	if err != nil {
		return nil, err
	}
	switch len(docs) {
	case 0:
		return nil, nil
	case 1:
		return docs[0], nil
	}
	return nil, &Error{File: file, Line: docs[1].Line, Column: docs[1].Column, Msg: "expected a single document in the stream"}
}

func wrapErr(err error, file string) error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		col := 1
		if m[2] != "" {
			col, _ = strconv.Atoi(m[2])
		}
		return &Error{File: file, Line: line, Column: col, Msg: m[3]}
	}
	return &Error{File: file, Msg: strings.TrimPrefix(msg, "yaml: ")}
}

// Unmarshal parses a single document into plain Go values (see Value).
func Unmarshal(data []byte, file string) (any, error) {
	n, err := ParseOne(data, file)
	if err != nil || n == nil {
		return nil, err
	}
	return Value(n, file)
}

// Value converts a node into plain Go values: map[string]any, []any,
// string, int, float64, bool and nil, with YAML 1.1 scalar resolution.
func Value(n *yaml.Node, file string) (any, error) {
	c := converter{file: file, seen: map[*yaml.Node]bool{}}
	return c.value(n)
}

type converter struct {
	file string
	seen map[*yaml.Node]bool // aliases being expanded, against cycles
}

func (c *converter) errAt(n *yaml.Node, format string, a ...any) error {
	return &Error{File: c.file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, a...)}
}

func (c *converter) value(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.value(n.Content[0])
	case yaml.AliasNode:
		if c.seen[n.Alias] {
			return nil, c.errAt(n, "recursive alias %q", n.Value)
		}
		c.seen[n.Alias] = true
		defer delete(c.seen, n.Alias)
		return c.value(n.Alias)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			v, err := c.value(item)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		if err := c.mapInto(out, n); err != nil {
			return nil, err
		}
		return out, nil
	case yaml.ScalarNode:
		v, err := Scalar(n)
		var ye *Error
		if errors.As(err, &ye) && ye.File == "" {
			ye.File = c.file
		}
		return v, err
	}
	return nil, c.errAt(n, "unexpected YAML node")
}

func (c *converter) mapInto(out map[string]any, n *yaml.Node) error {
	if len(n.Content)%2 != 0 {
		return c.errAt(n, "malformed mapping")
	}
	// Merge keys first, so that the mapping's own keys win.
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			if err := c.merge(out, v); err != nil {
				return err
			}
		}
	}
	order := keyorder.Keys(out) // keys merged in come first
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			continue
		}
		key, err := c.key(k)
		if err != nil {
			return err
		}
		val, err := c.value(v)
		if err != nil {
			return err
		}
		if _, dup := out[key]; !dup {
			order = append(order, key)
		}
		out[key] = val
	}
	keyorder.Record(out, order)
	return nil
}

func (c *converter) merge(out map[string]any, v *yaml.Node) error {
	if v.Kind == yaml.AliasNode {
		if c.seen[v.Alias] {
			return c.errAt(v, "recursive alias %q", v.Value)
		}
		c.seen[v.Alias] = true
		defer delete(c.seen, v.Alias)
		return c.merge(out, v.Alias)
	}
	switch v.Kind {
	case yaml.MappingNode:
		return c.mapInto(out, v)
	case yaml.SequenceNode:
		// Earlier maps in the list win over later ones.
		for i := len(v.Content) - 1; i >= 0; i-- {
			if err := c.merge(out, v.Content[i]); err != nil {
				return err
			}
		}
		return nil
	}
	return c.errAt(v, "merge key needs a mapping or a list of mappings")
}

func (c *converter) key(k *yaml.Node) (string, error) {
	if k.Kind == yaml.AliasNode {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", c.errAt(k, "a mapping key must be a scalar")
	}
	v, err := Scalar(k)
	if err != nil {
		return "", err
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case nil:
		return "None", nil
	case bool:
		if v {
			return "True", nil
		}
		return "False", nil
	}
	return fmt.Sprint(v), nil
}

var (
	boolRe  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	nullRe  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	intRe   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	floatRe = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
)

// Scalar resolves one scalar node as PyYAML's SafeLoader would.
func Scalar(n *yaml.Node) (any, error) {
	s := n.Value
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return s, nil
	}
	if n.Style&yaml.TaggedStyle == 0 {
		if n.Tag == "!!merge" {
			return s, nil
		}
		return Resolve(s), nil
	}
	// An explicit tag.
	switch n.Tag {
	case "!!bool":
		return ResolveBool(s), nil
	case "!!null":
		return nil, nil
	case "!!int":
		if v, ok := parseInt(s); ok {
			return v, nil
		}
		return nil, &Error{Line: n.Line, Column: n.Column, Msg: fmt.Sprintf("cannot read %q as an int", s)}
	case "!!float":
		if v, ok := parseFloat(s); ok {
			return v, nil
		}
		if v, ok := parseInt(s); ok {
			return float64(v), nil
		}
		return nil, &Error{Line: n.Line, Column: n.Column, Msg: fmt.Sprintf("cannot read %q as a float", s)}
	}
	return s, nil // !!str, !unsafe, !vault and tags we do not know keep their text
}

// ResolveBool reads a YAML 1.1 boolean word.
func ResolveBool(s string) bool {
	switch strings.ToLower(s) {
	case "yes", "true", "on", "y":
		return true
	}
	return false
}

// Resolve types a plain (unquoted) scalar by YAML 1.1 rules.
func Resolve(s string) any {
	switch {
	case nullRe.MatchString(s):
		return nil
	case boolRe.MatchString(s):
		return ResolveBool(s)
	case intRe.MatchString(s):
		if v, ok := parseInt(s); ok {
			return v
		}
	case floatRe.MatchString(s):
		if v, ok := parseFloat(s); ok {
			return v
		}
	}
	return s
}

func parseInt(s string) (int, bool) {
	s = strings.ReplaceAll(s, "_", "")
	sign := 1
	if strings.HasPrefix(s, "-") {
		sign, s = -1, s[1:]
	} else {
		s = strings.TrimPrefix(s, "+")
	}
	var (
		v   int64
		err error
	)
	switch {
	case s == "0":
		return 0, true
	case strings.HasPrefix(s, "0b"):
		v, err = strconv.ParseInt(s[2:], 2, 64)
	case strings.HasPrefix(s, "0x"):
		v, err = strconv.ParseInt(s[2:], 16, 64)
	case strings.HasPrefix(s, "0"):
		v, err = strconv.ParseInt(s[1:], 8, 64)
	case strings.Contains(s, ":"):
		for _, part := range strings.Split(s, ":") {
			d, perr := strconv.ParseInt(part, 10, 64)
			if perr != nil {
				return 0, false
			}
			v = v*60 + d
		}
	default:
		v, err = strconv.ParseInt(s, 10, 64)
	}
	if err != nil {
		return 0, false
	}
	return sign * int(v), true
}

func parseFloat(s string) (float64, bool) {
	s = strings.ReplaceAll(s, "_", "")
	low := strings.ToLower(s)
	switch low {
	case ".inf", "+.inf":
		return math.Inf(1), true
	case "-.inf":
		return math.Inf(-1), true
	case ".nan":
		return math.NaN(), true
	}
	if strings.Contains(s, ":") {
		sign := 1.0
		if strings.HasPrefix(s, "-") {
			sign, s = -1, s[1:]
		}
		s = strings.TrimPrefix(s, "+")
		var v float64
		parts := strings.Split(s, ":")
		for i, part := range parts {
			d, err := strconv.ParseFloat(part, 64)
			if err != nil || (i < len(parts)-1 && strings.Contains(part, ".")) {
				return 0, false
			}
			v = v*60 + d
		}
		return sign * v, true
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}
