package resource

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/proven2pc/proven/internal/assert"
)

// DecimalsMax is the largest number of fraction digits a token may have:
// 10^18 is the largest power of ten an int64 holds.
const DecimalsMax = 18

// amountTextLenMax bounds the text ParseAmount reads: longer text cannot be
// an int64 amount anyway.
const amountTextLenMax = 64

// ErrBadAmount reports amount text that is not a non-negative decimal with
// at most the allowed fraction digits, or that overflows int64 units.
var ErrBadAmount = errors.New("resource: bad amount")

// ErrOverflow reports arithmetic on amounts that would leave int64 units.
var ErrOverflow = errors.New("resource: amount overflow")

// powersOfTen[i] is 10^i, for i in 0..DecimalsMax.
var powersOfTen = func() [DecimalsMax + 1]int64 {
	var powers [DecimalsMax + 1]int64
	powers[0] = 1
	for i := 1; i <= DecimalsMax; i++ {
		powers[i] = powers[i-1] * 10
	}
	return powers
}()

// Amount is a non-negative fixed-point decimal: units / 10^decimals. The
// zero Amount is 0 with no fraction digits.
type Amount struct {
	// units is the value times 10^decimals. Invariant: units >= 0.
	units int64
	// decimals is the number of fraction digits. Invariant: 0..DecimalsMax.
	decimals int
}

// ParseAmount reads text such as "12", "12.5" or "0.000001" as an amount
// with decimals fraction digits. It rejects, with an error wrapping
// ErrBadAmount and naming the problem: a sign, an empty part, any character
// other than digits and one '.', more fraction digits than decimals, and
// values beyond int64 units. It never rounds.
func ParseAmount(text string, decimals int) (Amount, error) {
	if decimals < 0 || decimals > DecimalsMax {
		return Amount{}, fmt.Errorf("%w: decimals %d outside 0..%d", ErrBadAmount, decimals, DecimalsMax)
	}
	if len(text) > amountTextLenMax {
		return Amount{}, fmt.Errorf("%w: %d characters, at most %d", ErrBadAmount, len(text), amountTextLenMax)
	}
	if strings.HasPrefix(text, "-") {
		return Amount{}, fmt.Errorf("%w: %q is negative", ErrBadAmount, text)
	}
	integerText, fractionText, hasPoint := strings.Cut(text, ".")
	if !allDigits(integerText) || (hasPoint && !allDigits(fractionText)) {
		return Amount{}, fmt.Errorf("%w: %q is not a decimal number (want digits, optionally '.' and digits)", ErrBadAmount, text)
	}
	if len(fractionText) > decimals {
		return Amount{}, fmt.Errorf("%w: %q has %d fraction digits, at most %d allowed", ErrBadAmount, text, len(fractionText), decimals)
	}
	integer, ok := digitsValue(integerText)
	if ok {
		integer, ok = multiplyUnits(integer, powersOfTen[decimals])
	}
	fraction, _ := digitsValue(fractionText) // at most 18 digits: fits
	if ok {
		fraction *= powersOfTen[decimals-len(fractionText)]
		integer, ok = addUnits(integer, fraction)
	}
	if !ok {
		return Amount{}, fmt.Errorf("%w: %q exceeds the largest amount with %d decimals", ErrBadAmount, text, decimals)
	}
	return Amount{units: integer, decimals: decimals}, nil
}

// amountFromUnits returns units / 10^decimals.
// Requires: units >= 0 and decimals in 0..DecimalsMax.
func amountFromUnits(units int64, decimals int) Amount {
	if units < 0 {
		assert.Broken("resource: amount units %d below zero", units)
	}
	if decimals < 0 || decimals > DecimalsMax {
		assert.Broken("resource: decimals %d outside 0..%d", decimals, DecimalsMax)
	}
	return Amount{units: units, decimals: decimals}
}

// Units returns the amount times 10^Decimals.
func (a Amount) Units() int64 { return a.units }

// Decimals returns the number of fraction digits.
func (a Amount) Decimals() int { return a.decimals }

// IsZero reports whether the amount is zero.
func (a Amount) IsZero() bool { return a.units == 0 }

// String formats the amount exactly, without trailing fraction zeros:
// "12.5", "0.000001", "100", "0". ParseAmount reads it back.
func (a Amount) String() string {
	power := powersOfTen[a.decimals]
	integer := a.units / power
	text := fmt.Sprintf("%d", integer)
	fraction := a.units % power
	if fraction == 0 {
		return text
	}
	fractionText := fmt.Sprintf("%0*d", a.decimals, fraction)
	return text + "." + strings.TrimRight(fractionText, "0")
}

func allDigits(text string) bool {
	if text == "" {
		return false
	}
	for i := 0; i < len(text); i++ {
		if text[i] < '0' || text[i] > '9' {
			return false
		}
	}
	return true
}

// digitsValue returns the value of a run of decimal digits, false on
// overflow.
func digitsValue(digits string) (int64, bool) {
	var value int64
	for i := 0; i < len(digits); i++ {
		var ok bool
		if value, ok = multiplyUnits(value, 10); !ok {
			return 0, false
		}
		if value, ok = addUnits(value, int64(digits[i]-'0')); !ok {
			return 0, false
		}
	}
	return value, true
}

// addUnits returns a + b, false when the sum leaves int64.
func addUnits(a, b int64) (int64, bool) {
	if b > 0 && a > math.MaxInt64-b {
		return 0, false
	}
	if b < 0 && a < math.MinInt64-b {
		return 0, false
	}
	return a + b, true
}

// subtractUnits returns a - b, false when the difference leaves int64.
func subtractUnits(a, b int64) (int64, bool) {
	if b == math.MinInt64 {
		return 0, false
	}
	return addUnits(a, -b)
}

// multiplyUnits returns a * b for non-negative a and b, false on overflow.
func multiplyUnits(a, b int64) (int64, bool) {
	if a < 0 || b < 0 {
		assert.Broken("resource: multiplyUnits(%d, %d) of a negative", a, b)
	}
	if a != 0 && b > math.MaxInt64/a {
		return 0, false
	}
	return a * b, true
}
