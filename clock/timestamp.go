package clock

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Timestamp is a hybrid logical clock timestamp: physical nanoseconds, a
// logical counter that orders events within one nanosecond, and the id of the
// node that produced it as the final tie-break. The zero Timestamp is smaller
// than every timestamp an HLC produces.
type Timestamp struct {
	WallNanos int64
	Logical   uint32
	Node      uint32
}

// TimestampKeyLen is the length of Timestamp.AppendKey's encoding.
const TimestampKeyLen = 16

// ErrBadTimestamp reports an encoding that is not a timestamp.
var ErrBadTimestamp = errors.New("clock: bad timestamp")

// Compare returns -1, 0 or +1 as t is before, equal to or after other.
func (t Timestamp) Compare(other Timestamp) int {
	switch {
	case t.WallNanos < other.WallNanos:
		return -1
	case t.WallNanos > other.WallNanos:
		return 1
	case t.Logical < other.Logical:
		return -1
	case t.Logical > other.Logical:
		return 1
	case t.Node < other.Node:
		return -1
	case t.Node > other.Node:
		return 1
	}
	return 0
}

// Less reports whether t is strictly before other.
func (t Timestamp) Less(other Timestamp) bool { return t.Compare(other) < 0 }

// IsZero reports whether t is the zero timestamp.
func (t Timestamp) IsZero() bool { return t == Timestamp{} }

// Max returns the later of t and other.
func (t Timestamp) Max(other Timestamp) Timestamp {
	if t.Less(other) {
		return other
	}
	return t
}

// Next returns the smallest timestamp strictly after t that keeps t's node.
func (t Timestamp) Next() Timestamp {
	if t.Logical == ^uint32(0) {
		return Timestamp{WallNanos: t.WallNanos + 1, Node: t.Node}
	}
	return Timestamp{WallNanos: t.WallNanos, Logical: t.Logical + 1, Node: t.Node}
}

// String formats t as "<wall>.<logical>@<node>", e.g. "1500000.2@3".
func (t Timestamp) String() string {
	return strconv.FormatInt(t.WallNanos, 10) + "." + strconv.FormatUint(uint64(t.Logical), 10) +
		"@" + strconv.FormatUint(uint64(t.Node), 10)
}

// ParseTimestamp parses the format written by String.
func ParseTimestamp(s string) (Timestamp, error) {
	wallText, rest, ok := strings.Cut(s, ".")
	if !ok {
		return Timestamp{}, fmt.Errorf("%w %q: want <wall>.<logical>@<node>", ErrBadTimestamp, s)
	}
	logicalText, nodeText, ok := strings.Cut(rest, "@")
	if !ok {
		return Timestamp{}, fmt.Errorf("%w %q: want <wall>.<logical>@<node>", ErrBadTimestamp, s)
	}
	wall, err := strconv.ParseInt(wallText, 10, 64)
	if err != nil {
		return Timestamp{}, fmt.Errorf("%w %q: wall: %v", ErrBadTimestamp, s, err)
	}
	logical, err := strconv.ParseUint(logicalText, 10, 32)
	if err != nil {
		return Timestamp{}, fmt.Errorf("%w %q: logical: %v", ErrBadTimestamp, s, err)
	}
	node, err := strconv.ParseUint(nodeText, 10, 32)
	if err != nil {
		return Timestamp{}, fmt.Errorf("%w %q: node: %v", ErrBadTimestamp, s, err)
	}
	return Timestamp{WallNanos: wall, Logical: uint32(logical), Node: uint32(node)}, nil
}

// AppendKey appends an order-preserving 16-byte encoding of t: comparing two
// encodings bytewise gives the same answer as Compare.
func (t Timestamp) AppendKey(b []byte) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(t.WallNanos)^(1<<63))
	b = binary.BigEndian.AppendUint32(b, t.Logical)
	return binary.BigEndian.AppendUint32(b, t.Node)
}

// DecodeTimestampKey decodes the first TimestampKeyLen bytes of b written by
// AppendKey.
func DecodeTimestampKey(b []byte) (Timestamp, error) {
	if len(b) < TimestampKeyLen {
		return Timestamp{}, fmt.Errorf("%w: %d bytes, want %d", ErrBadTimestamp, len(b), TimestampKeyLen)
	}
	return Timestamp{
		WallNanos: int64(binary.BigEndian.Uint64(b) ^ (1 << 63)),
		Logical:   binary.BigEndian.Uint32(b[8:]),
		Node:      binary.BigEndian.Uint32(b[12:]),
	}, nil
}
