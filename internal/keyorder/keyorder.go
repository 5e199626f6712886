// Package keyorder remembers the order in which a map's keys were written
// in a YAML file, so that iterating over a dict gives Ansible's order (a
// Python dict keeps insertion order; a Go map has none). The YAML reader
// records each mapping it builds; the templar asks for the order when it
// iterates. A map whose keys no longer match the record (changed, or a new
// map at a reused address) falls back to sorted order for the keys not
// recorded.
package keyorder

import (
	"reflect"
	"sort"
	"sync"
)

var orders sync.Map // map pointer → []string

func ptr(m map[string]any) uintptr { return reflect.ValueOf(m).Pointer() }

// Record remembers keys as the order of m's keys.
func Record(m map[string]any, keys []string) {
	if m == nil || len(keys) < 2 {
		return
	}
	orders.Store(ptr(m), append([]string(nil), keys...))
}

// Keys returns m's keys: the recorded ones first in their recorded order,
// then any others sorted.
func Keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	if v, ok := orders.Load(ptr(m)); ok && m != nil {
		seen := make(map[string]bool, len(m))
		for _, k := range v.([]string) {
			if _, present := m[k]; present && !seen[k] {
				out = append(out, k)
				seen[k] = true
			}
		}
		if len(out) == len(m) {
			return out
		}
		var rest []string
		for k := range m {
			if !seen[k] {
				rest = append(rest, k)
			}
		}
		sort.Strings(rest)
		return append(out, rest...)
	}
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
