package value

import (
	"errors"
	"testing"

	"pgregory.net/rapid"
)

func TestTextRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := valueGenerator(testDepthMax).Draw(t, "value")
		got, err := Parse(v.String())
		if err != nil {
			t.Fatalf("Parse(%s): %v", v, err)
		}
		if !got.Equal(v) {
			t.Fatalf("Parse(%s) = %v", v, got)
		}
	})
}

// FuzzParseValue: arbitrary text never panics; whatever parses prints as
// text that parses back to the same value.
func FuzzParseValue(f *testing.F) {
	for _, seed := range seedValues() {
		f.Add(seed.String())
	}
	for _, seed := range []string{` { "a" : [ 1 , 2.5e3 , -Inf ] } `, `0xAbCd`, `"\u00e9\x00"`, `[1,]`, `{"a":1,"a":2}`, `1e999`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		v, err := Parse(text)
		if err != nil {
			if !errors.Is(err, ErrBadText) && !errors.Is(err, ErrNestingTooDeep) {
				t.Fatalf("Parse error %v wraps neither ErrBadText nor ErrNestingTooDeep", err)
			}
			return
		}
		again, err := Parse(v.String())
		if err != nil {
			t.Fatalf("Parse(%q) = %v, whose text does not parse: %v", text, v, err)
		}
		if !again.Equal(v) {
			t.Fatalf("Parse(%q) = %v, which prints and parses as %v", text, v, again)
		}
	})
}
