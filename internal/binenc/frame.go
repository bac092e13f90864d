package binenc

import (
	"encoding/binary"
	"hash/crc32"
)

// Framed bytes: a magic, a big-endian uint32 format, a body, and the
// CRC-32C (Castagnoli) of every byte before it. The engines' checkpoints
// are framed.

// castagnoli is the CRC-32C table.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// checksumLen is the length of a frame's trailing checksum.
const checksumLen = 4

// AppendFrameHeader appends magic and format to out: the start of a frame.
func AppendFrameHeader(out []byte, magic string, format uint32) []byte {
	return binary.BigEndian.AppendUint32(append(out, magic...), format)
}

// Seal appends the CRC-32C of frame (from its header to its last byte)
// and returns the frame, complete.
func Seal(frame []byte) []byte {
	return SealFrom(frame, 0)
}

// SealFrom is Seal of a frame appended to other bytes: it appends the
// CRC-32C of out[start:] (the frame, from its header) and returns out.
func SealFrom(out []byte, start int) []byte {
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(out[start:], castagnoli))
}

// OpenFrame checks a sealed frame (length, checksum, magic, format) and
// returns a reader of its body, failing with sentinel. An error wraps
// sentinel and says what was wrong.
func OpenFrame(frame []byte, magic string, format uint32, sentinel error) (Reader, error) {
	reader := NewReader(nil, sentinel)
	if minimum := len(magic) + 4 + checksumLen; len(frame) < minimum {
		reader.Failf("%d bytes, shorter than the %d-byte minimum", len(frame), minimum)
		return reader, reader.Err()
	}
	body := frame[:len(frame)-checksumLen]
	if got, want := crc32.Checksum(body, castagnoli), binary.BigEndian.Uint32(frame[len(body):]); got != want {
		reader.Failf("checksum mismatch: 0x%08x, want 0x%08x", got, want)
		return reader, reader.Err()
	}
	reader = NewReader(body, sentinel)
	if got := reader.Next(len(magic)); string(got) != magic {
		reader.Failf("magic %q, want %q", got, magic)
	} else if got := reader.Uint32(); got != format {
		reader.Failf("format %d, want %d", got, format)
	}
	return reader, reader.Err()
}

// OpenFrameSection is OpenFrame for a body that starts with a section
// (see Reader.Section), as the engines' checkpoints start with their
// store's: it returns the section, aliasing frame, and a reader of the
// rest of the body.
func OpenFrameSection(frame []byte, magic string, format uint32, sentinel error) ([]byte, Reader, error) {
	reader, err := OpenFrame(frame, magic, format, sentinel)
	if err != nil {
		return nil, reader, err
	}
	section := reader.Section()
	return section, reader, reader.Err()
}
