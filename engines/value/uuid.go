package value

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
)

// ErrBadUUID reports text that ParseUUID cannot read.
var ErrBadUUID = errors.New("value: bad uuid")

// UUID is a universally unique identifier: 16 bytes of any version or
// variant, ordered bytewise. The SQL engine's UUID values are UUIDs.
type UUID [16]byte

// uuidTextLen is the length of a UUID's text: 32 hex digits and 4 dashes.
const uuidTextLen = 36

// uuidGroupEnds are where the groups of a UUID's 32 hex digits end,
// each but the last followed by a dash in its text.
var uuidGroupEnds = [5]int{8, 12, 16, 20, 32}

// String writes u in the standard form of lower-case hex digits in groups
// of 8-4-4-4-12: 123e4567-e89b-12d3-a456-426614174000.
func (u UUID) String() string { return string(u.appendText(nil)) }

func (u UUID) appendText(dst []byte) []byte {
	var digits [32]byte
	hex.Encode(digits[:], u[:])
	groupStart := 0
	for i, groupEnd := range uuidGroupEnds {
		if i > 0 {
			dst = append(dst, '-')
		}
		dst = append(dst, digits[groupStart:groupEnd]...)
		groupStart = groupEnd
	}
	return dst
}

// Compare orders UUIDs bytewise.
func (u UUID) Compare(other UUID) int { return bytes.Compare(u[:], other[:]) }

// ParseUUID reads the standard form that String writes, in upper or lower
// case. Errors wrap ErrBadUUID.
func ParseUUID(text string) (UUID, error) {
	if len(text) != uuidTextLen {
		return UUID{}, fmt.Errorf("%w %q: want 36 characters, 8-4-4-4-12 hex digits", ErrBadUUID, text)
	}
	var digits [32]byte
	groupStart := 0
	for i, groupEnd := range uuidGroupEnds {
		textAt := groupStart + i // the dashes before this group
		if i > 0 && text[textAt-1] != '-' {
			return UUID{}, fmt.Errorf("%w %q: want '-' at byte %d", ErrBadUUID, text, textAt-1)
		}
		copy(digits[groupStart:groupEnd], text[textAt:textAt+groupEnd-groupStart])
		groupStart = groupEnd
	}
	var u UUID
	if _, err := hex.Decode(u[:], digits[:]); err != nil {
		return UUID{}, fmt.Errorf("%w %q: not hex digits", ErrBadUUID, text)
	}
	return u, nil
}
