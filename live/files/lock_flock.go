//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package files

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockFile takes flock(LOCK_EX|LOCK_NB) on name. The lock belongs to the
// open file description, so a second process, and a second open of the
// same file in this process, both fail; the kernel releases it when the
// process dies, even by SIGKILL.
func lockFile(name string) (Unlocker, error) {
	file, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(file.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		file.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, name)
		}
		return nil, &os.PathError{Op: "flock", Path: name, Err: err}
	}
	return flockUnlocker{file: file}, nil
}

type flockUnlocker struct{ file *os.File }

// Unlock closes the file, which releases the lock.
func (u flockUnlocker) Unlock() error { return u.file.Close() }
