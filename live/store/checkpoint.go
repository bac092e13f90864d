package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/proven2pc/proven/internal/binenc"
	"github.com/proven2pc/proven/live/files"
)

// A checkpoint file is named by the log position it covers (20 decimal
// digits, ".checkpoint") and holds a 32-byte header, then the data:
//
//	magic(8) format(4) position(8) length(8) crc(4)
//
// where crc is the CRC-32C of the header's first 28 bytes and the data.
const (
	checkpointMagic     = "PRVNCKP\x00"
	checkpointHeaderLen = 32
	checkpointSuffix    = ".checkpoint"
	checkpointsDir      = "checkpoints"
	// checkpointsKept is how many checkpoints survive a write: the newest,
	// and one before it to fall back on if the newest is damaged.
	checkpointsKept = 2
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func checkpointName(position uint64) string {
	return fmt.Sprintf("%020d%s", position, checkpointSuffix)
}

// CheckpointData is what a checkpoint file holds, written in pieces (a
// processor.FrozenCheckpoint; binenc.Bytes for bytes at hand).
type CheckpointData interface {
	Len() int
	WriteTo(w io.Writer) (int64, error)
}

// checkpointHeader returns the header of a checkpoint file holding data.
// Its checksum covers the header's first 28 bytes, then data: data is
// written once for it, before it is written to the file.
func checkpointHeader(position uint64, data CheckpointData) ([]byte, error) {
	b := make([]byte, 0, checkpointHeaderLen)
	b = append(b, checkpointMagic...)
	b = binary.BigEndian.AppendUint32(b, FormatVersion)
	b = binary.BigEndian.AppendUint64(b, position)
	b = binary.BigEndian.AppendUint64(b, uint64(data.Len()))
	summer := &checksumWriter{sum: crc32.Checksum(b, castagnoli)}
	err := writeData(summer, data)
	return binary.BigEndian.AppendUint32(b, summer.sum), err
}

// writeData writes data to w, all of it: as many bytes as it says.
func writeData(w io.Writer, data CheckpointData) error {
	n, err := data.WriteTo(w)
	if err == nil && n != int64(data.Len()) {
		err = fmt.Errorf("checkpoint data of %d bytes wrote %d", data.Len(), n)
	}
	return err
}

// checksumWriter keeps the CRC-32C of what is written to it.
type checksumWriter struct{ sum uint32 }

func (c *checksumWriter) Write(p []byte) (int, error) {
	c.sum = crc32.Update(c.sum, castagnoli, p)
	return len(p), nil
}

// decodeCheckpoint verifies a checkpoint file; it returns the data or
// what is wrong.
func decodeCheckpoint(content []byte, position uint64) ([]byte, string) {
	if len(content) < checkpointHeaderLen {
		return nil, fmt.Sprintf("%d bytes, shorter than the %d-byte header", len(content), checkpointHeaderLen)
	}
	header, data := content[:checkpointHeaderLen], content[checkpointHeaderLen:]
	sum := crc32.Update(crc32.Checksum(header[:28], castagnoli), castagnoli, data)
	switch {
	case string(header[:8]) != checkpointMagic:
		return nil, "not a checkpoint (bad magic)"
	case binary.BigEndian.Uint32(header[8:]) > FormatVersion:
		return nil, fmt.Sprintf("format %d; this build reads up to %d", binary.BigEndian.Uint32(header[8:]), FormatVersion)
	case binary.BigEndian.Uint64(header[12:]) != position:
		return nil, fmt.Sprintf("header says position %d, name says %d", binary.BigEndian.Uint64(header[12:]), position)
	case binary.BigEndian.Uint64(header[20:]) != uint64(len(data)):
		return nil, fmt.Sprintf("header says %d bytes of data, %d present", binary.BigEndian.Uint64(header[20:]), len(data))
	case binary.BigEndian.Uint32(header[28:]) != sum:
		return nil, "checksum mismatch"
	}
	return data, ""
}

// WriteCheckpoint durably stores data as the stream's checkpoint at log
// position (the position of the last entry it covers): written to a
// temporary file, synced, renamed, directory synced. Then it removes all
// but the newest two checkpoints, and returns the position below which
// the stream's log may be removed (every checkpoint kept covers it):
// pass it to the log host's RemoveBelow.
func (st *Stream) WriteCheckpoint(position uint64, data []byte) (removableBelow uint64, err error) {
	return st.WriteCheckpointFrom(position, binenc.Bytes(data))
}

// WriteCheckpointFrom is WriteCheckpoint of data written in pieces: a
// checkpoint as large as the stream's state goes to its file without a
// copy of it in memory. data is written twice (its checksum first).
func (st *Stream) WriteCheckpointFrom(position uint64, data CheckpointData) (removableBelow uint64, err error) {
	st.checkpointMutex.Lock()
	defer st.checkpointMutex.Unlock()
	fsys := st.store.options.FS
	dir := filepath.Join(st.dir, checkpointsDir)
	if err := fsys.MkdirAll(dir); err != nil {
		return 0, err
	}
	header, err := checkpointHeader(position, data)
	if err != nil {
		return 0, fmt.Errorf("store: encoding checkpoint %d of stream %q: %w", position, st.Name(), err)
	}
	write := func(w io.Writer) error {
		if _, err := w.Write(header); err != nil {
			return err
		}
		return writeData(w, data)
	}
	if err := files.WriteAtomicFunc(fsys, dir, checkpointName(position), write); err != nil {
		return 0, fmt.Errorf("store: writing checkpoint %d of stream %q: %w", position, st.Name(), err)
	}
	positions, err := st.checkpointPositions()
	if err != nil {
		return 0, err
	}
	kept := positions[max(len(positions)-checkpointsKept, 0):]
	for _, old := range positions[:len(positions)-len(kept)] {
		if err := fsys.Remove(filepath.Join(dir, checkpointName(old))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return 0, err
		}
	}
	return kept[0] + 1, nil
}

// checkpointPositions lists the positions of the stream's checkpoint
// files, increasing (temporary files are not checkpoints).
func (st *Stream) checkpointPositions() ([]uint64, error) {
	names, err := st.store.options.FS.ReadDir(filepath.Join(st.dir, checkpointsDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var positions []uint64
	for _, name := range names {
		digits, ok := strings.CutSuffix(name, checkpointSuffix)
		position, err := strconv.ParseUint(digits, 10, 64)
		if ok && err == nil && checkpointName(position) == name {
			positions = append(positions, position)
		}
	}
	slices.Sort(positions)
	return positions, nil
}

// NewestCheckpoint returns the stream's newest intact checkpoint and the
// log position it covers; found is false when there is none (replay the
// whole log). A damaged checkpoint is skipped with a warning naming the
// file, and the one before it is tried.
func (st *Stream) NewestCheckpoint() (position uint64, data []byte, found bool, err error) {
	st.checkpointMutex.Lock()
	defer st.checkpointMutex.Unlock()
	positions, err := st.checkpointPositions()
	if err != nil {
		return 0, nil, false, err
	}
	for _, position := range slices.Backward(positions) {
		path := filepath.Join(st.dir, checkpointsDir, checkpointName(position))
		content, err := st.store.options.FS.ReadFile(path)
		if err != nil {
			return 0, nil, false, err
		}
		data, reason := decodeCheckpoint(content, position)
		if reason == "" {
			return position, data, true, nil
		}
		st.store.options.Logger.Warn("store: skipped a damaged checkpoint", "file", path, "reason", reason)
	}
	return 0, nil, false, nil
}
