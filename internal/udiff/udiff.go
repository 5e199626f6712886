// Package udiff renders unified diffs of text, as Python's
// difflib.unified_diff does for Ansible's --diff output.
package udiff

import (
	"fmt"
	"strings"
)

// Context is the number of unchanged lines shown around a change.
const Context = 3

// Unified returns the unified diff of a and b with the given file
// headers, or "" when they are equal.
func Unified(fromHeader, toHeader, a, b string) string {
	if a == b {
		return ""
	}
	al, bl := splitLines(a), splitLines(b)
	ops := diff(al, bl)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", fromHeader, toHeader)
	for _, h := range hunks(ops, Context) {
		out.WriteString(h.header())
		for _, o := range h.ops {
			line := o.text
			switch o.kind {
			case ' ':
				out.WriteString(" " + line)
			case '-':
				out.WriteString("-" + line)
			case '+':
				out.WriteString("+" + line)
			}
			if !strings.HasSuffix(line, "\n") {
				out.WriteString("\n\\ No newline at end of file\n")
			}
		}
	}
	return out.String()
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

type op struct {
	kind       byte // ' ', '-', '+'
	text       string
	aIdx, bIdx int // 0-based line numbers in a and b at this op
}

// diff computes an edit script with Myers' O(ND) algorithm.
func diff(a, b []string) []op {
	n, m := len(a), len(b)
	max := n + m
	if max == 0 {
		return nil
	}
	v := make([]int, 2*max+2)
	var trace [][]int
	off := max + 1
	found := false
	for d := 0; d <= max && !found; d++ {
		vc := make([]int, len(v))
		copy(vc, v)
		trace = append(trace, vc)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = true
				trace = append(trace, append([]int(nil), v...))
				break
			}
		}
	}
	// Backtrack.
	var rev []op
	x, y := n, m
	for d := len(trace) - 2; d >= 0 && (x > 0 || y > 0); d-- {
		vd := trace[d]
		k := x - y
		var prevK int
		if k == -d || (k != d && vd[off+k-1] < vd[off+k+1]) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := vd[off+prevK]
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x--
			y--
			rev = append(rev, op{' ', a[x], x, y})
		}
		if d == 0 {
			break
		}
		if x == prevX {
			y--
			rev = append(rev, op{'+', b[y], x, y})
		} else {
			x--
			rev = append(rev, op{'-', a[x], x, y})
		}
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, op{' ', a[x], x, y})
	}
	out := make([]op, len(rev))
	for i := range rev {
		out[i] = rev[len(rev)-1-i]
	}
	return out
}

type hunk struct {
	ops                        []op
	aStart, aLen, bStart, bLen int
}

func (h hunk) header() string {
	return fmt.Sprintf("@@ -%s +%s @@\n", rng(h.aStart, h.aLen), rng(h.bStart, h.bLen))
}

// rng formats a range as difflib does: "start,len", "start" for one line,
// and "start-1,0" for an empty range.
func rng(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

func hunks(ops []op, ctx int) []hunk {
	var out []hunk
	i := 0
	for i < len(ops) {
		// find next change
		for i < len(ops) && ops[i].kind == ' ' {
			i++
		}
		if i >= len(ops) {
			break
		}
		start := i - ctx
		if start < 0 {
			start = 0
		}
		end := i
		for {
			for end < len(ops) && ops[end].kind != ' ' {
				end++
			}
			// run of equal lines
			j := end
			for j < len(ops) && ops[j].kind == ' ' {
				j++
			}
			if j < len(ops) && j-end <= 2*ctx {
				end = j
				continue
			}
			end += ctx
			if end > len(ops) {
				end = len(ops)
			}
			break
		}
		h := hunk{ops: ops[start:end]}
		h.aStart, h.bStart = ops[start].aIdx, ops[start].bIdx
		for _, o := range h.ops {
			if o.kind != '+' {
				h.aLen++
			}
			if o.kind != '-' {
				h.bLen++
			}
		}
		out = append(out, h)
		i = end
	}
	return out
}
