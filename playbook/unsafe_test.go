package playbook

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/template"
)

// Host output must never be templated on the controller.
func TestRegisteredOutputIsNeverTemplated(t *testing.T) {
	reg := markUnsafe(map[string]any{"stdout": "{{ lookup('pipe', 'echo pwned') }}", "stdout_lines": []any{"{{ 7 * 6 }}"}, "rc": 0})
	tp := template.New(template.Options{})
	scope := map[string]any{"out": reg}
	v, err := tp.Template("{{ out.stdout }}", scope, nil)
	require.NoError(t, err)
	require.Equal(t, "{{ lookup('pipe', 'echo pwned') }}", v)
	v, err = tp.Template("{{ out.stdout_lines[0] }} and {{ out.rc + 1 }}", scope, nil)
	require.NoError(t, err)
	require.Equal(t, "{{ 7 * 6 }} and 1", v)
}
