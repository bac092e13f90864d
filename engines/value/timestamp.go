package value

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// ErrBadTimestamp reports text that ParseTimestamp cannot read.
var ErrBadTimestamp = errors.New("value: bad timestamp")

// Timestamp is an instant of real (UTC) time as data, with microsecond
// precision: a count of microseconds since 1970-01-01T00:00:00Z, over the
// whole int64 range (about 290,000 years either side). It is what a client
// stores, such as an order's due date, not an HLC timestamp of the
// transaction protocol (clock.Timestamp). The zero Timestamp is the Unix
// epoch. The SQL engine's TIMESTAMP values are Timestamps.
type Timestamp struct {
	micros int64
}

// TimestampFromUnixMicros returns the instant micros microseconds after
// the Unix epoch (before it, for negative micros).
func TimestampFromUnixMicros(micros int64) Timestamp { return Timestamp{micros: micros} }

// UnixMicros returns t as microseconds since the Unix epoch.
func (t Timestamp) UnixMicros() int64 { return t.micros }

// Time returns t as a time.Time in UTC.
func (t Timestamp) Time() time.Time { return time.UnixMicro(t.micros).UTC() }

// Compare orders timestamps by instant.
func (t Timestamp) Compare(other Timestamp) int { return cmp.Compare(t.micros, other.micros) }

// String writes t in RFC 3339 form in UTC, with the fraction of a second
// only as long as it needs to be: 2026-12-02T10:00:00Z,
// 2026-12-02T10:00:00.25Z. Years outside 0000-9999 take a sign (ISO 8601's
// expanded form): -0001-12-31T00:00:00Z, +10000-01-01T00:00:00Z.
func (t Timestamp) String() string { return string(t.appendText(nil)) }

func (t Timestamp) appendText(dst []byte) []byte {
	instant := t.Time()
	year, month, day := instant.Date()
	switch {
	case year < 0:
		dst = appendPadded(append(dst, '-'), -year, 4)
	case year > 9999:
		dst = strconv.AppendInt(append(dst, '+'), int64(year), 10)
	default:
		dst = appendPadded(dst, year, 4)
	}
	hour, minute, second := instant.Clock()
	dst = appendPadded(append(dst, '-'), int(month), 2)
	dst = appendPadded(append(dst, '-'), day, 2)
	dst = appendPadded(append(dst, 'T'), hour, 2)
	dst = appendPadded(append(dst, ':'), minute, 2)
	dst = appendPadded(append(dst, ':'), second, 2)
	if fraction := instant.Nanosecond() / 1000; fraction != 0 {
		digits := 6
		for fraction%10 == 0 {
			fraction, digits = fraction/10, digits-1
		}
		dst = appendPadded(append(dst, '.'), fraction, digits)
	}
	return append(dst, 'Z')
}

// appendPadded appends the non-negative number with leading zeros to at
// least width digits.
func appendPadded(dst []byte, number, width int) []byte {
	var digitsBuffer [20]byte
	digits := strconv.AppendInt(digitsBuffer[:0], int64(number), 10)
	for range width - len(digits) {
		dst = append(dst, '0')
	}
	return append(dst, digits...)
}

// The instants a Timestamp can hold.
var (
	timestampEarliest = time.UnixMicro(math.MinInt64)
	timestampLatest   = time.UnixMicro(math.MaxInt64)
)

// timestampYearDigitsMax bounds the digits of an expanded year: enough
// for every year a Timestamp reaches, few enough that nothing overflows.
const timestampYearDigitsMax = 6

// ParseTimestamp reads RFC 3339 text: a date, 'T', a time of day with up
// to six digits of fraction, and 'Z' or an offset such as +01:00 (the
// instant is kept, the offset is not). The year is four digits, or a sign
// and four to six digits for years outside 0000-9999. The instant must
// fall within a Timestamp's range. Errors wrap ErrBadTimestamp.
func ParseTimestamp(text string) (Timestamp, error) {
	reader := timestampReader{text: text}
	instant := reader.instant()
	if reader.err != nil {
		return Timestamp{}, fmt.Errorf("%w %q: %s", ErrBadTimestamp, text, reader.err)
	}
	if instant.Before(timestampEarliest) || instant.After(timestampLatest) {
		return Timestamp{}, fmt.Errorf("%w %q: beyond the range of microseconds in an int64", ErrBadTimestamp, text)
	}
	return Timestamp{micros: instant.UnixMicro()}, nil
}

// timestampReader reads the fields of RFC 3339 text in order; the first
// problem sets err, and later reads then do nothing.
type timestampReader struct {
	text     string
	position int
	err      error
}

func (r *timestampReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("at byte %d: %s", r.position, fmt.Sprintf(format, args...))
	}
}

// number reads minDigits to maxDigits decimal digits.
func (r *timestampReader) number(what string, minDigits, maxDigits int) int {
	start := r.position
	for r.err == nil && r.position < len(r.text) && r.position-start < maxDigits && r.text[r.position] >= '0' && r.text[r.position] <= '9' {
		r.position++
	}
	if r.position-start < minDigits {
		r.position = start
		r.fail("want %s of %s", digitsPhrase(minDigits), what)
		return 0
	}
	number, _ := strconv.Atoi(r.text[start:r.position])
	return number
}

func digitsPhrase(count int) string {
	if count == 1 {
		return "a digit"
	}
	return strconv.Itoa(count) + " digits"
}

// field reads a two-digit field and checks its range.
func (r *timestampReader) field(what string, low, high int) int {
	start := r.position
	number := r.number(what, 2, 2)
	if r.err == nil && (number < low || number > high) {
		r.position = start
		r.fail("%s %02d outside %02d-%02d", what, number, low, high)
	}
	return number
}

// separator reads one expected byte.
func (r *timestampReader) separator(want byte) {
	if r.err == nil && (r.position >= len(r.text) || r.text[r.position] != want) {
		r.fail("want %q", want)
	}
	r.position++
}

func (r *timestampReader) year() int {
	if r.position < len(r.text) && (r.text[r.position] == '+' || r.text[r.position] == '-') {
		sign := 1 - 2*btoi(r.text[r.position] == '-')
		r.position++
		return sign * r.number("year", 4, timestampYearDigitsMax)
	}
	return r.number("year", 4, 4)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (r *timestampReader) instant() time.Time {
	year := r.year()
	r.separator('-')
	month := r.field("month", 1, 12)
	r.separator('-')
	dayAt := r.position
	day := r.field("day", 1, 31)
	r.separator('T')
	hour := r.field("hour", 0, 23)
	r.separator(':')
	minute := r.field("minute", 0, 59)
	r.separator(':')
	second := r.field("second", 0, 59)
	nanos := r.fraction()
	offsetSeconds := r.offset()
	if r.err == nil && r.position < len(r.text) {
		r.fail("unexpected %q after the time", r.text[r.position:])
	}
	if r.err != nil {
		return time.Time{}
	}
	instant := time.Date(year, time.Month(month), day, hour, minute, second, nanos, time.UTC)
	if instant.Day() != day { // time.Date moved February 30 into March
		r.position = dayAt
		r.fail("day %02d is not in %04d-%02d", day, year, month)
		return time.Time{}
	}
	return instant.Add(-time.Duration(offsetSeconds) * time.Second)
}

// fraction reads an optional '.' and one to six digits, as nanoseconds.
func (r *timestampReader) fraction() int {
	if r.err != nil || r.position >= len(r.text) || r.text[r.position] != '.' {
		return 0
	}
	r.position++
	start := r.position
	digits := r.number("fraction", 1, 6)
	if r.position < len(r.text) && r.text[r.position] >= '0' && r.text[r.position] <= '9' {
		r.fail("more than 6 digits of fraction: a timestamp holds microseconds")
	}
	for range 9 - (r.position - start) {
		digits *= 10
	}
	return digits
}

// offset reads 'Z' or +hh:mm / -hh:mm, as seconds east of UTC.
func (r *timestampReader) offset() int {
	if r.err != nil {
		return 0
	}
	if r.position >= len(r.text) {
		r.fail("want 'Z' or an offset such as +01:00")
		return 0
	}
	switch r.text[r.position] {
	case 'Z':
		r.position++
		return 0
	case '+', '-':
		sign := 1 - 2*btoi(r.text[r.position] == '-')
		r.position++
		hours := r.field("offset hour", 0, 23)
		r.separator(':')
		minutes := r.field("offset minute", 0, 59)
		return sign * (hours*3600 + minutes*60)
	}
	r.fail("want 'Z' or an offset such as +01:00")
	return 0
}
