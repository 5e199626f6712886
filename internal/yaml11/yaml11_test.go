package yaml11

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestYAML11Scalars(t *testing.T) {
	v, err := Unmarshal([]byte(`
a: yes
b: No
c: on
d: 0644
e: "0644"
f: 0x1F
g: 1:30
h: 1.5
i: ~
j:
k: y
l: '1'
m: 12_000
n: !!str 12
o: [1, two, true]
base: &b {x: 1, y: 2}
merged:
  <<: *b
  y: 3
`), "t.yml")
	require.NoError(t, err)
	m := v.(map[string]any)
	require.Equal(t, true, m["a"])
	require.Equal(t, false, m["b"])
	require.Equal(t, true, m["c"])
	require.Equal(t, 420, m["d"])
	require.Equal(t, "0644", m["e"])
	require.Equal(t, 31, m["f"])
	require.Equal(t, 90, m["g"])
	require.Equal(t, 1.5, m["h"])
	require.Nil(t, m["i"])
	require.Nil(t, m["j"])
	require.Equal(t, "y", m["k"]) // PyYAML does not read y/n as booleans
	require.Equal(t, "1", m["l"])
	require.Equal(t, 12000, m["m"])
	require.Equal(t, "12", m["n"])
	require.Equal(t, []any{1, "two", true}, m["o"])
	require.Equal(t, map[string]any{"x": 1, "y": 3}, m["merged"])
}

func TestYAML11ErrorsNameFileAndLine(t *testing.T) {
	_, err := Unmarshal([]byte("a: 1\nb: [1, 2\nc: 3\n"), "play.yml")
	require.Error(t, err)
	var ye *Error
	require.ErrorAs(t, err, &ye)
	require.Equal(t, "play.yml", ye.File)
	require.NotZero(t, ye.Line)
	require.Contains(t, err.Error(), "play.yml:")
}

func TestYAML11RecursiveAlias(t *testing.T) {
	// Must not hang or panic.
	_, _ = Unmarshal([]byte("a: &a [*a]\n"), "x.yml")
}

func FuzzUnmarshal(f *testing.F) {
	f.Add([]byte("a: yes\nb: [1, 2]\n"))
	f.Add([]byte("<<: *x\n"))
	f.Add([]byte("a: &a {b: *a}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Unmarshal(data, "fuzz.yml")
	})
}
