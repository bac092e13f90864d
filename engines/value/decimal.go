package value

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// DecimalScaleMax is the most digits a Decimal may have after its point:
// 10^18 is the largest power of ten an int64 holds.
const DecimalScaleMax = 18

// ErrBadDecimal reports text that ParseDecimal cannot read.
var ErrBadDecimal = errors.New("value: bad decimal")

// powersOfTen[i] is 10^i.
var powersOfTen = func() (powers [DecimalScaleMax + 1]uint64) {
	powers[0] = 1
	for i := 1; i < len(powers); i++ {
		powers[i] = powers[i-1] * 10
	}
	return powers
}()

// Decimal is an exact decimal number: unscaled / 10^scale, with an int64
// unscaled value and 0 <= scale <= DecimalScaleMax. The scale is part of
// the value, as in SQL's DECIMAL(p, s) and Java's BigDecimal: 1.5 and
// 1.50 are numerically equal (CompareNumeric) but different Decimals
// (Compare orders them by scale after value, 1.5 before 1.50, and they
// print, encode and compare as Values differently). The zero Decimal is 0.
// The SQL engine's DECIMAL values are Decimals.
type Decimal struct {
	unscaled int64
	// Invariant: scale <= DecimalScaleMax.
	scale uint8
}

// MakeDecimal returns unscaled / 10^scale, e.g. MakeDecimal(150, 2) is
// 1.50.
//
// Requires: 0 <= scale <= DecimalScaleMax (panics otherwise).
func MakeDecimal(unscaled int64, scale int) Decimal {
	if scale < 0 || scale > DecimalScaleMax {
		panic(fmt.Sprintf("value: decimal scale %d outside [0, %d]", scale, DecimalScaleMax))
	}
	return Decimal{unscaled: unscaled, scale: uint8(scale)}
}

// Unscaled returns d's digits as an integer: 150 for 1.50.
func (d Decimal) Unscaled() int64 { return d.unscaled }

// Scale returns the number of digits after d's point: 2 for 1.50.
func (d Decimal) Scale() int { return int(d.scale) }

// String writes d with exactly Scale digits after the point and no
// exponent: 1.50, -0.05, 0, 12.
func (d Decimal) String() string { return string(d.appendText(nil)) }

func (d Decimal) appendText(dst []byte) []byte {
	if d.unscaled < 0 {
		dst = append(dst, '-')
	}
	var digitsBuffer [24]byte
	digits := strconv.AppendUint(digitsBuffer[:0], magnitude(d.unscaled), 10)
	scale := int(d.scale)
	if scale == 0 {
		return append(dst, digits...)
	}
	if len(digits) <= scale {
		dst = append(dst, '0', '.')
		dst = append(dst, strings.Repeat("0", scale-len(digits))...)
		return append(dst, digits...)
	}
	dst = append(dst, digits[:len(digits)-scale]...)
	dst = append(dst, '.')
	return append(dst, digits[len(digits)-scale:]...)
}

// magnitude returns |i| as a uint64 (exact for math.MinInt64 too).
func magnitude(i int64) uint64 {
	if i < 0 {
		return uint64(-(i + 1)) + 1
	}
	return uint64(i)
}

// ParseDecimal reads an optional sign, digits and an optional point with
// more digits: "1.50", "-3", "+0.001", ".5", "5.". The scale is the number
// of digits after the point (at most DecimalScaleMax), and the digits
// without the point must fit an int64. Errors wrap ErrBadDecimal.
func ParseDecimal(text string) (Decimal, error) {
	digits, negative := text, false
	if digits != "" && (digits[0] == '-' || digits[0] == '+') {
		digits, negative = digits[1:], digits[0] == '-'
	}
	whole, fraction, _ := strings.Cut(digits, ".")
	if whole == "" && fraction == "" || !allDigits(whole) || !allDigits(fraction) {
		return Decimal{}, fmt.Errorf("%w %q: want digits with an optional sign and point", ErrBadDecimal, text)
	}
	if len(fraction) > DecimalScaleMax {
		return Decimal{}, fmt.Errorf("%w %q: more than %d digits after the point", ErrBadDecimal, text, DecimalScaleMax)
	}
	limit := uint64(math.MaxInt64)
	if negative {
		limit++
	}
	var unscaled uint64
	for _, digitsPart := range [2]string{whole, fraction} {
		for i := range len(digitsPart) {
			digit := uint64(digitsPart[i] - '0')
			if unscaled > (limit-digit)/10 {
				return Decimal{}, fmt.Errorf("%w %q: more digits than an int64 holds", ErrBadDecimal, text)
			}
			unscaled = unscaled*10 + digit
		}
	}
	if negative {
		return Decimal{unscaled: int64(-unscaled), scale: uint8(len(fraction))}, nil
	}
	return Decimal{unscaled: int64(unscaled), scale: uint8(len(fraction))}, nil
}

func allDigits(text string) bool {
	for i := range len(text) {
		if text[i] < '0' || text[i] > '9' {
			return false
		}
	}
	return true
}

// CompareNumeric returns -1, 0 or +1 as d is numerically below, equal to
// or above other: 1.5 and 1.50 are equal. Exact for every pair.
func (d Decimal) CompareNumeric(other Decimal) int {
	high, low := d.orderBits()
	otherHigh, otherLow := other.orderBits()
	if high != otherHigh {
		return cmp.Compare(high, otherHigh)
	}
	return cmp.Compare(low, otherLow)
}

// Compare is the total order Value.Compare uses: numeric value first, and
// among numerically equal Decimals the smaller scale first (1.5 < 1.50 <
// 1.500). Compare is 0 only for identical Decimals.
func (d Decimal) Compare(other Decimal) int {
	if order := d.CompareNumeric(other); order != 0 {
		return order
	}
	return cmp.Compare(d.scale, other.scale)
}

// Rescale returns d with scale digits after the point: exactly when scale
// grows (ok is false if the digits then overflow an int64), rounded half
// away from zero when it shrinks (1.25 to one digit is 1.3, -1.25 is -1.3).
//
// Requires: 0 <= scale <= DecimalScaleMax (panics otherwise).
func (d Decimal) Rescale(scale int) (rescaled Decimal, ok bool) {
	target := MakeDecimal(0, scale).scale
	unscaledMagnitude := magnitude(d.unscaled)
	if target >= d.scale {
		high, low := bits.Mul64(unscaledMagnitude, powersOfTen[target-d.scale])
		limit := uint64(math.MaxInt64)
		if d.unscaled < 0 {
			limit++
		}
		if high != 0 || low > limit {
			return Decimal{}, false
		}
		unscaledMagnitude = low
	} else {
		divisor := powersOfTen[d.scale-target]
		quotient, remainder := unscaledMagnitude/divisor, unscaledMagnitude%divisor
		if remainder >= divisor-remainder { // remainder >= divisor / 2, without overflow
			quotient++
		}
		unscaledMagnitude = quotient
	}
	if d.unscaled < 0 {
		return Decimal{unscaled: int64(-unscaledMagnitude), scale: target}, true
	}
	return Decimal{unscaled: int64(unscaledMagnitude), scale: target}, true
}

// orderBits returns d's value times 10^DecimalScaleMax, an integer of at
// most 123 bits, as a 128-bit two's-complement number with the sign bit
// flipped: unsigned comparison of (high, low) orders decimals numerically.
func (d Decimal) orderBits() (high, low uint64) {
	high, low = bits.Mul64(magnitude(d.unscaled), powersOfTen[DecimalScaleMax-d.scale])
	if d.unscaled < 0 {
		var borrow uint64
		low, borrow = bits.Sub64(0, low, 0)
		high, _ = bits.Sub64(0, high, borrow)
	}
	return high ^ 1<<63, low
}

// decimalFromOrderBits inverts orderBits for the given scale; ok is false
// when the bits are not such a value at that scale (not a multiple of
// 10^(DecimalScaleMax-scale), or beyond an int64's digits).
//
// Requires: scale <= DecimalScaleMax.
func decimalFromOrderBits(high, low uint64, scale uint8) (Decimal, bool) {
	high ^= 1 << 63
	negative := high>>63 == 1
	if negative {
		var borrow uint64
		low, borrow = bits.Sub64(0, low, 0)
		high, _ = bits.Sub64(0, high, borrow)
	}
	divisor := powersOfTen[DecimalScaleMax-scale]
	if high >= divisor { // the quotient would not fit 64 bits
		return Decimal{}, false
	}
	quotient, remainder := bits.Div64(high, low, divisor)
	limit := uint64(math.MaxInt64)
	if negative {
		limit++
	}
	if remainder != 0 || quotient > limit {
		return Decimal{}, false
	}
	if negative {
		return Decimal{unscaled: int64(-quotient), scale: scale}, true
	}
	return Decimal{unscaled: int64(quotient), scale: scale}, true
}
