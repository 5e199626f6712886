//go:build linux || darwin

package connection

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// rawModes turns off echo, line editing, signals and output processing on
// the terminal fd, as the modes sent to sshd for su do.
func rawModes(fd int, get, set uint) error {
	tio, err := unix.IoctlGetTermios(fd, get)
	if err != nil {
		return fmt.Errorf("pty modes: %w", err)
	}
	tio.Lflag &^= unix.ECHO | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Oflag &^= unix.OPOST
	tio.Iflag &^= unix.ICRNL | unix.IXON
	tio.Cc[unix.VMIN], tio.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, set, tio); err != nil {
		return fmt.Errorf("pty modes: %w", err)
	}
	return nil
}
