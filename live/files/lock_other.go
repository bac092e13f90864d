//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package files

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// On systems without flock the lock holds within this process only: a
// second open of the same store in this process fails, a second process
// is not stopped (the package documentation says so).
var (
	heldMutex sync.Mutex
	held      = map[string]bool{}
)

func lockFile(name string) (Unlocker, error) {
	file, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	file.Close()
	key, err := filepath.Abs(name)
	if err != nil {
		return nil, err
	}
	heldMutex.Lock()
	defer heldMutex.Unlock()
	if held[key] {
		return nil, fmt.Errorf("%w: %s", ErrLocked, name)
	}
	held[key] = true
	return processUnlocker{key: key}, nil
}

type processUnlocker struct{ key string }

func (u processUnlocker) Unlock() error {
	heldMutex.Lock()
	defer heldMutex.Unlock()
	delete(held, u.key)
	return nil
}
