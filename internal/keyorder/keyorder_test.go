package keyorder

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestKeys(t *testing.T) {
	m := map[string]any{"b": 1, "a": 2, "c": 3}
	require.Equal(t, []string{"a", "b", "c"}, Keys(m))
	Record(m, []string{"c", "a", "b"})
	require.Equal(t, []string{"c", "a", "b"}, Keys(m))
	m["0"] = 4
	delete(m, "a")
	require.Equal(t, []string{"c", "b", "0"}, Keys(m))
	require.Empty(t, Keys(nil))
}
