package resource

import (
	"errors"
	"math"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// Every amount formats to text that parses back to the same units, and
// String never prints more fraction digits than the token allows.
func TestAmountRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		decimals := rapid.IntRange(0, DecimalsMax).Draw(t, "decimals")
		units := rapid.Int64Range(0, math.MaxInt64).Draw(t, "units")
		text := amountFromUnits(units, decimals).String()
		parsed, err := ParseAmount(text, decimals)
		if err != nil {
			t.Fatalf("ParseAmount(%q, %d): %v", text, decimals, err)
		}
		if parsed.Units() != units || parsed.Decimals() != decimals {
			t.Fatalf("%q parsed to %d units, %d decimals; want %d, %d", text, parsed.Units(), parsed.Decimals(), units, decimals)
		}
		if _, fraction, ok := strings.Cut(text, "."); ok && (len(fraction) > decimals || strings.HasSuffix(fraction, "0")) {
			t.Fatalf("%q: fraction digits not canonical for %d decimals", text, decimals)
		}
	})
}

// Parsing arbitrary text never panics, and whatever parses formats to the
// same value.
func TestParseAmountArbitraryText(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		text := rapid.StringMatching(`[-+0-9.e ]{0,25}`).Draw(t, "text")
		decimals := rapid.IntRange(-1, DecimalsMax+1).Draw(t, "decimals")
		amount, err := ParseAmount(text, decimals)
		if err != nil {
			if !errors.Is(err, ErrBadAmount) {
				t.Fatalf("error %v does not wrap ErrBadAmount", err)
			}
			return
		}
		again, err := ParseAmount(amount.String(), decimals)
		if err != nil || again != amount {
			t.Fatalf("%q -> %v -> %v, %v", text, amount, again, err)
		}
	})
}

func TestParseAmountExamples(t *testing.T) {
	for _, example := range []struct {
		text     string
		decimals int
		units    int64 // -1: rejected
	}{
		{"12.5", 2, 1250}, {"0.000001", 6, 1}, {"007", 0, 7}, {"12.50", 2, 1250}, {"0", 3, 0},
		{"1.234", 2, -1}, {"-1", 2, -1}, {"1e3", 2, -1}, {"", 2, -1}, {".5", 2, -1}, {"5.", 2, -1},
		{"9223372036854775807", 0, math.MaxInt64}, {"9223372036854775808", 0, -1}, {"92233720368547758.08", 2, -1},
		{"1", DecimalsMax + 1, -1}, {strings.Repeat("1", 65), 0, -1},
	} {
		amount, err := ParseAmount(example.text, example.decimals)
		switch {
		case example.units < 0 && err == nil:
			t.Errorf("ParseAmount(%q, %d) = %v, want an error", example.text, example.decimals, amount)
		case example.units >= 0 && (err != nil || amount.Units() != example.units):
			t.Errorf("ParseAmount(%q, %d) = %v units, %v; want %d", example.text, example.decimals, amount.Units(), err, example.units)
		}
	}
}

func TestUnitArithmeticOverflow(t *testing.T) {
	if _, ok := addUnits(math.MaxInt64, 1); ok {
		t.Error("MaxInt64 + 1 did not overflow")
	}
	if _, ok := addUnits(math.MinInt64, -1); ok {
		t.Error("MinInt64 - 1 did not overflow")
	}
	if _, ok := subtractUnits(0, math.MinInt64); ok {
		t.Error("0 - MinInt64 did not overflow")
	}
	if _, ok := multiplyUnits(math.MaxInt64/2+1, 2); ok {
		t.Error("(MaxInt64/2+1) * 2 did not overflow")
	}
	if sum, ok := addUnits(-5, 3); !ok || sum != -2 {
		t.Errorf("-5 + 3 = %d, %v", sum, ok)
	}
}
