package value

import (
	"errors"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// rfc3339Micros is Go's RFC 3339 layout with up to six fraction digits.
const rfc3339Micros = "2006-01-02T15:04:05.999999Z07:00"

// fourDigitYears draws timestamps within years 0000-9999, where the time
// package's RFC 3339 layout is a reference.
func fourDigitYears() *rapid.Generator[Timestamp] {
	return rapid.Map(rapid.Int64Range(-62_167_219_200_000_000, 253_402_300_799_999_999), TimestampFromUnixMicros)
}

func TestTimestampTextMatchesTimePackage(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		timestamp := rapid.OneOf(fourDigitYears(), timestampGenerator()).Draw(t, "timestamp")
		year := timestamp.Time().Year()
		if year < 0 || year > 9999 {
			return
		}
		if got, want := timestamp.String(), timestamp.Time().Format(rfc3339Micros); got != want {
			t.Fatalf("String() = %s, the time package writes %s", got, want)
		}
	})
}

// The same instant written at any offset parses to the same Timestamp.
func TestTimestampParseKeepsTheInstant(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		timestamp := fourDigitYears().Draw(t, "timestamp")
		offsetMinutes := rapid.IntRange(-(23*60+59), 23*60+59).Draw(t, "offsetMinutes")
		local := timestamp.Time().In(time.FixedZone("", offsetMinutes*60))
		if local.Year() < 0 || local.Year() > 9999 {
			return
		}
		text := local.Format(rfc3339Micros)
		got, err := ParseTimestamp(text)
		if err != nil || got != timestamp {
			t.Fatalf("ParseTimestamp(%s) = %v, %v; want %v", text, got, err, timestamp)
		}
	})
}

func TestTimestampAccessors(t *testing.T) {
	timestamp := TimestampFromUnixMicros(1_796_205_600_000_001)
	if timestamp.UnixMicros() != 1_796_205_600_000_001 {
		t.Errorf("UnixMicros() = %d", timestamp.UnixMicros())
	}
	want := time.Date(2026, 12, 2, 10, 0, 0, 1000, time.UTC)
	if got := timestamp.Time(); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("Time() = %v, want %v in UTC", got, want)
	}
	if TimestampFromUnixMicros(-1).Compare(Timestamp{}) >= 0 {
		t.Errorf("a microsecond before the epoch does not sort before it")
	}
}

// FuzzParseTimestamp: arbitrary text never panics; what parses prints as
// text that parses back to it, and agrees with the time package where
// that reads the text too.
func FuzzParseTimestamp(f *testing.F) {
	for _, seed := range []string{"2026-12-02T10:00:00Z", "2026-12-02T11:30:00.5+01:30", "-0001-12-31T23:59:59Z", "+294247-01-10T04:00:54.775807Z", "2024-02-29T00:00:00Z", "2026-02-30T00:00:00Z", "2026-12-02T10:00:00.1234567Z", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		timestamp, err := ParseTimestamp(text)
		if err != nil {
			if !errors.Is(err, ErrBadTimestamp) {
				t.Fatalf("ParseTimestamp error %v does not wrap ErrBadTimestamp", err)
			}
			return
		}
		if again, err := ParseTimestamp(timestamp.String()); err != nil || again != timestamp {
			t.Fatalf("ParseTimestamp(%q) = %v, which prints as text that parses to %v (err %v)", text, timestamp, again, err)
		}
		if reference, err := time.Parse(time.RFC3339Nano, text); err == nil && !reference.Equal(timestamp.Time()) {
			t.Fatalf("ParseTimestamp(%q) = %v, the time package reads %v", text, timestamp, reference)
		}
	})
}
