//go:build tools

package omeprov

import (
	_ "github.com/hashicorp/go-version"
	_ "github.com/kevinburke/ssh_config"
	_ "github.com/nikolalohinski/gonja/v2"
	_ "github.com/pkg/sftp"
	_ "github.com/skeema/knownhosts"
	_ "github.com/spf13/cobra"
	_ "github.com/stretchr/testify/require"
	_ "golang.org/x/crypto/ssh"
	_ "golang.org/x/crypto/ssh/agent"
	_ "gopkg.in/yaml.v3"
)
