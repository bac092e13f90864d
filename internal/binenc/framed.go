package binenc

import (
	"encoding/binary"
	"hash/crc32"
)

// FramedChecksumLen is the length of a framed record's trailing checksum.
const FramedChecksumLen = 4

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// OpenFramed reads the frame of a checkpoint-like record: magic, a
// big-endian uint32 format, a body, and a trailing CRC-32C of every byte
// before it. It verifies the length, checksum, magic and format and
// returns a reader positioned after the format, over the body only,
// whose errors wrap sentinel; what ("" or a word and a space, as
// "delta ") prefixes the messages.
func OpenFramed(data []byte, sentinel error, what, magic string, format uint32) (*Reader, error) {
	reader := NewReader(nil, sentinel)
	headerLen := len(magic) + 4
	if len(data) < headerLen+FramedChecksumLen {
		reader.Failf("%s%d bytes, shorter than the %d-byte minimum", what, len(data), headerLen+FramedChecksumLen)
		return nil, reader.Err()
	}
	body := data[:len(data)-FramedChecksumLen]
	if got, want := crc32.Checksum(body, castagnoli), binary.BigEndian.Uint32(data[len(body):]); got != want {
		reader.Failf("%schecksum 0x%08x, want 0x%08x", what, got, want)
		return nil, reader.Err()
	}
	reader = NewReader(body, sentinel)
	if got := reader.Next(len(magic)); string(got) != magic {
		reader.Failf("%smagic %q, want %q", what, got, magic)
		return nil, reader.Err()
	}
	if got := reader.Uint32(); got != format {
		reader.Failf("%sformat %d, want %d", what, got, format)
		return nil, reader.Err()
	}
	return &reader, nil
}
