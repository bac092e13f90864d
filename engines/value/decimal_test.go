package value

import (
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// rational is the reference model of a Decimal: its exact value.
func rational(d Decimal) *big.Rat {
	denominator := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale())), nil)
	return new(big.Rat).SetFrac(big.NewInt(d.Unscaled()), denominator)
}

func TestDecimalOrderAgainstRationals(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := decimalGenerator().Draw(t, "a")
		b := decimalGenerator().Draw(t, "b")
		numeric := rational(a).Cmp(rational(b))
		if got := a.CompareNumeric(b); got != numeric {
			t.Fatalf("%v.CompareNumeric(%v) = %d, rationals say %d", a, b, got, numeric)
		}
		want := numeric
		if want == 0 {
			want = sign(a.Scale() - b.Scale())
		}
		if got := a.Compare(b); got != want {
			t.Fatalf("%v.Compare(%v) = %d, want %d (numeric, then scale)", a, b, got, want)
		}
		if got := DecimalValue(a).Compare(DecimalValue(b)); got != want {
			t.Fatalf("Value Compare of %v and %v = %d, want %d", a, b, got, want)
		}
	})
}

func TestDecimalRescaleAgainstRationals(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := decimalGenerator().Draw(t, "decimal")
		scale := rapid.IntRange(0, DecimalScaleMax).Draw(t, "scale")
		got, ok := d.Rescale(scale)
		want, wantOK := rescaleModel(d, scale)
		if ok != wantOK {
			t.Fatalf("%v.Rescale(%d) ok = %v, want %v", d, scale, ok, wantOK)
		}
		if ok && got != want {
			t.Fatalf("%v.Rescale(%d) = %v, want %v", d, scale, got, want)
		}
	})
}

// rescaleModel rescales with big integers: exact upward, half away from
// zero downward.
func rescaleModel(d Decimal, scale int) (Decimal, bool) {
	unscaled := big.NewInt(d.Unscaled())
	if scale >= d.Scale() {
		unscaled.Mul(unscaled, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale-d.Scale())), nil))
	} else {
		divisor := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale()-scale)), nil)
		quotient, remainder := new(big.Int).QuoRem(new(big.Int).Abs(unscaled), divisor, new(big.Int))
		if new(big.Int).Mul(remainder, big.NewInt(2)).Cmp(divisor) >= 0 {
			quotient.Add(quotient, big.NewInt(1))
		}
		if d.Unscaled() < 0 {
			quotient.Neg(quotient)
		}
		unscaled = quotient
	}
	if !unscaled.IsInt64() {
		return Decimal{}, false
	}
	return MakeDecimal(unscaled.Int64(), scale), true
}

func TestDecimalRescaleRoundsOnce(t *testing.T) {
	for _, example := range []struct {
		from  string
		scale int
		want  string
	}{{"0.45", 0, "0"}, {"0.5", 0, "1"}, {"-0.5", 0, "-1"}, {"1.25", 1, "1.3"}, {"-1.25", 1, "-1.3"}, {"1.249", 1, "1.2"}, {"7", 2, "7.00"}} {
		d, err := ParseDecimal(example.from)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := d.Rescale(example.scale)
		if !ok || got.String() != example.want {
			t.Errorf("%s rescaled to %d = %v, %v; want %s", example.from, example.scale, got, ok, example.want)
		}
	}
	if _, ok := MakeDecimal(math.MaxInt64, 0).Rescale(1); ok {
		t.Errorf("rescaling the largest int64 up did not report the overflow")
	}
}

func TestMakeDecimalRequiresScale(t *testing.T) {
	for _, scale := range []int{-1, DecimalScaleMax + 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("MakeDecimal(1, %d) did not panic", scale)
				}
			}()
			MakeDecimal(1, scale)
		}()
	}
}

// FuzzParseDecimal: arbitrary text never panics; what parses has the
// value big.Rat reads from the same text and the scale of its fraction,
// and prints as text that parses back to it.
func FuzzParseDecimal(f *testing.F) {
	for _, seed := range []string{"1.50", "-0.05", "+7", ".5", "5.", "9223372036854775807", "-9223372036854775808", "0.123456789012345678", "1e3", "", "-", "."} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		d, err := ParseDecimal(text)
		if err != nil {
			if !errors.Is(err, ErrBadDecimal) {
				t.Fatalf("ParseDecimal error %v does not wrap ErrBadDecimal", err)
			}
			return
		}
		model, ok := new(big.Rat).SetString(text)
		if !ok || model.Cmp(rational(d)) != 0 {
			t.Fatalf("ParseDecimal(%q) = %v, big.Rat reads %v", text, d, model)
		}
		_, fraction, _ := strings.Cut(text, ".")
		if d.Scale() != len(fraction) {
			t.Fatalf("ParseDecimal(%q) has scale %d, want %d", text, d.Scale(), len(fraction))
		}
		if again, err := ParseDecimal(d.String()); err != nil || again != d {
			t.Fatalf("ParseDecimal(%q) = %v, which prints as text that parses to %v (err %v)", text, d, again, err)
		}
	})
}
