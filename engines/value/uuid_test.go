package value

import (
	"errors"
	"strings"
	"testing"
)

func TestUUIDAccessors(t *testing.T) {
	u, err := ParseUUID("123E4567-e89b-12d3-a456-426614174000")
	if err != nil {
		t.Fatal(err)
	}
	want := UUID{0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00}
	if u != want {
		t.Errorf("ParseUUID = %x, want %x", u, want)
	}
	if got, ok := UUIDValue(u).AsUUID(); !ok || got != u {
		t.Errorf("AsUUID() = %v, %v", got, ok)
	}
	if u.Compare(UUID{0x12, 0x3e, 0x46}) >= 0 {
		t.Errorf("UUIDs do not order bytewise")
	}
}

// FuzzParseUUID: arbitrary text never panics; what parses prints as the
// same text in lower case.
func FuzzParseUUID(f *testing.F) {
	for _, seed := range []string{"123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000", "123e4567e89b12d3a456426614174000", "{123e4567-e89b-12d3-a456-426614174000}", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		u, err := ParseUUID(text)
		if err != nil {
			if !errors.Is(err, ErrBadUUID) {
				t.Fatalf("ParseUUID error %v does not wrap ErrBadUUID", err)
			}
			return
		}
		if u.String() != strings.ToLower(text) {
			t.Fatalf("ParseUUID(%q) prints as %s", text, u)
		}
	})
}
