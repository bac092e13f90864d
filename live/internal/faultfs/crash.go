package faultfs

import (
	"errors"
	"io/fs"
	"maps"
	"math/rand/v2"
	"slices"
)

// CrashReport says what a crash did, for test failure messages.
type CrashReport struct {
	Cut, Garbled, Reverted []string
}

// Crash models a power loss on the files written through f; files open
// through f must not be used afterwards. Directory changes not synced are
// reverted, newest first, each with probability one half. Then each
// file's bytes beyond its last sync are, at random, kept, cut at a random
// point, or cut and their tail garbled. Draws come from rng, so a seeded
// rng gives the same damage.
func (f *FS) Crash(rng *rand.Rand) (CrashReport, error) {
	f.mutex.Lock()
	defer f.mutex.Unlock()
	var report CrashReport
	for i := len(f.undo) - 1; i >= 0; i-- {
		change := f.undo[i]
		if rng.IntN(2) == 0 {
			continue
		}
		if err := f.revert(change); err != nil {
			return report, err
		}
		report.Reverted = append(report.Reverted, change.created+change.to)
	}
	f.undo = nil
	for _, name := range slices.Sorted(maps.Keys(f.files)) {
		state := f.files[name]
		if state.size > state.synced {
			if err := f.damageTail(name, state, rng, &report); err != nil {
				return report, err
			}
		}
	}
	f.files = map[string]*fileState{}
	return report, nil
}

func (f *FS) revert(change directoryChange) error {
	if change.created != "" {
		delete(f.files, change.created)
		return ignoreMissing(f.inner.Remove(change.created))
	}
	if err := f.rewrite(change.from, change.fromContent); err != nil {
		return err
	}
	f.files[change.from] = f.files[change.to]
	delete(f.files, change.to)
	if change.toExisted {
		return f.rewrite(change.to, change.toContent)
	}
	return ignoreMissing(f.inner.Remove(change.to))
}

// damageTail keeps, cuts or garbles the unsynced bytes of a file.
func (f *FS) damageTail(name string, state *fileState, rng *rand.Rand, report *CrashReport) error {
	content, err := f.inner.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	switch rng.IntN(3) {
	case 0: // every unsynced byte happened to reach the device
		return nil
	case 1:
		cut := state.synced + rng.Int64N(state.size-state.synced)
		report.Cut = append(report.Cut, name)
		return f.rewrite(name, content[:cut])
	}
	end := state.synced + 1 + rng.Int64N(state.size-state.synced)
	for i := state.synced + rng.Int64N(end-state.synced); i < end; i++ {
		content[i] = byte(rng.Uint32())
	}
	report.Garbled = append(report.Garbled, name)
	return f.rewrite(name, content[:end])
}

// rewrite replaces a file's content on the inner file system, durably.
func (f *FS) rewrite(name string, content []byte) error {
	if err := ignoreMissing(f.inner.Remove(name)); err != nil {
		return err
	}
	file, err := f.inner.Create(name)
	if err != nil {
		return err
	}
	if _, err := file.Write(content); err != nil {
		file.Close()
		return err
	}
	if err := file.Sync(); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}

// FlipBit flips one bit of a file on the inner file system, as a latent
// sector error would (bit counts from the file's first byte).
func (f *FS) FlipBit(name string, bit int64) error {
	content, err := f.inner.ReadFile(name)
	if err != nil {
		return err
	}
	content[bit/8] ^= 1 << (bit % 8)
	return f.rewrite(name, content)
}

func ignoreMissing(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
