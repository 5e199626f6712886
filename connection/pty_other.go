//go:build !linux && !darwin

package connection

import (
	"errors"
	"os"
)

func openPTY() (master, slave *os.File, err error) {
	return nil, nil, errors.New("no pseudo-terminals on this system")
}
