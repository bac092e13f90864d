package mvcc

import (
	"bytes"
	"fmt"
)

// Composite keys. A key made of several byte-string parts (a table id, an
// index id, column values) must sort as the tuple of its parts: first by the
// first part, then by the second, and so on, with a shorter part before any
// longer part it prefixes. Concatenating the raw parts breaks this ("ab"+"c"
// and "a"+"bc" collide), so each part is escaped and terminated:
//
//	0x00 inside a part  -> 0x00 0xFF
//	end of a part       -> 0x00 0x01
//
// Why it preserves order: where two encoded parts first differ, either both
// bytes are ordinary (the raw bytes decide), or one side has an escaped 0x00
// (0x00 < any other raw byte, and 0x00 0xFF > the terminator 0x00 0x01), or
// one part has ended (terminator 0x00 0x01 is below every continuation,
// because a continuation is either a raw byte >= 0x01 followed by more, or an
// escaped 0x00 0xFF). The encoding is prefix-free, so the next part never
// influences a comparison decided by an earlier one.

const (
	keyPartEscape     byte = 0x00
	keyPartEscapedNul byte = 0xFF
	keyPartTerminator byte = 0x01
)

// AppendKeyPart appends the order-preserving encoding of part to dst and
// returns the extended slice. Appending parts one after another builds a key
// whose bytewise order is the lexicographic order of the part tuples.
func AppendKeyPart(dst, part []byte) []byte {
	for {
		index := bytes.IndexByte(part, keyPartEscape)
		if index < 0 {
			break
		}
		dst = append(dst, part[:index]...)
		dst = append(dst, keyPartEscape, keyPartEscapedNul)
		part = part[index+1:]
	}
	dst = append(dst, part...)
	return append(dst, keyPartEscape, keyPartTerminator)
}

// DecodeKeyPart decodes the first part of a key built with AppendKeyPart. It
// returns the decoded part (a new slice) and the remaining encoded bytes.
// Malformed input returns an error wrapping ErrBadKeyPart.
func DecodeKeyPart(encoded []byte) (part, rest []byte, err error) {
	part = []byte{}
	remaining := encoded
	for {
		index := bytes.IndexByte(remaining, keyPartEscape)
		if index < 0 || index+1 >= len(remaining) {
			return nil, nil, fmt.Errorf("%w: missing terminator after %d bytes", ErrBadKeyPart, len(encoded))
		}
		part = append(part, remaining[:index]...)
		switch remaining[index+1] {
		case keyPartTerminator:
			return part, remaining[index+2:], nil
		case keyPartEscapedNul:
			part = append(part, keyPartEscape)
			remaining = remaining[index+2:]
		default:
			offset := len(encoded) - len(remaining) + index + 1
			return nil, nil, fmt.Errorf("%w: byte 0x%02x after escape at offset %d", ErrBadKeyPart, remaining[index+1], offset)
		}
	}
}
