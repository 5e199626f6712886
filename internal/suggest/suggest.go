// Package suggest finds the closest known name to a misspelt one, for
// "did you mean" hints in error messages.
//
// It scores candidates with the similarity ratio of Python's
// difflib.SequenceMatcher (2*M/T, where M counts the characters of the
// longest matching blocks and T is the length of both strings), as
// difflib.get_close_matches does, and keeps the 0.6 cutoff it uses by
// default. An optimal string alignment (Damerau–Levenshtein) distance
// of one also counts as close, so that a swap of two letters in a short
// name ("sate" for "state") is still found.
package suggest

import "strings"

// Cutoff is the lowest similarity ratio accepted, difflib's default.
const Cutoff = 0.6

// Closest returns the candidate most similar to name, or "" when none is
// close enough. Comparison ignores case; among equally close candidates
// the first in the list wins. name itself (a candidate equal to it) is
// never suggested.
func Closest(name string, candidates []string) string {
	if name == "" {
		return ""
	}
	low := strings.ToLower(name)
	best, bestScore := "", 0.0
	for _, c := range candidates {
		if c == "" || c == name {
			continue
		}
		lc := strings.ToLower(c)
		score := Ratio(low, lc)
		if score < Cutoff && Distance(low, lc) <= 1 {
			score = Cutoff
		}
		if score >= Cutoff && score > bestScore {
			best, bestScore = c, score
		}
	}
	return best
}

// Ratio is difflib.SequenceMatcher(None, a, b).ratio(): twice the number
// of characters in matching blocks over the total length, in [0, 1].
func Ratio(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	if len(ra)+len(rb) == 0 {
		return 1
	}
	return 2 * float64(matching(ra, rb)) / float64(len(ra)+len(rb))
}

// matching counts the characters in the matching blocks found the way
// SequenceMatcher finds them: the longest common substring, then the same
// recursively on each side of it.
func matching(a, b []rune) int {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	i, j, k := longest(a, b)
	if k == 0 {
		return 0
	}
	return k + matching(a[:i], b[:j]) + matching(a[i+k:], b[j+k:])
}

// longest finds the longest common substring of a and b, the earliest in
// a (then in b) when several are as long.
func longest(a, b []rune) (bi, bj, bk int) {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				cur[j] = prev[j-1] + 1
				if cur[j] > bk {
					bi, bj, bk = i-cur[j], j-cur[j], cur[j]
				}
			} else {
				cur[j] = 0
			}
		}
		prev, cur = cur, prev
	}
	return bi, bj, bk
}

// Distance is the optimal string alignment distance between a and b:
// the insertions, deletions, substitutions and swaps of two adjacent
// characters needed to turn one into the other.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
