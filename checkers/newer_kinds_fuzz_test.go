package checkers

import (
	"bytes"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/proven2pc/proven/engines/value"
)

// FuzzNewerKindsHistoryRoundTrip: a history whose values are decimals,
// timestamps and UUIDs (alone, in a list, in a map), built from fuzzed
// integers and bytes, reads back from its EDN (bigdec M, #inst, #uuid)
// and its JSON lines as the same events; the same text cut short either
// reads or fails with a history error, never panics.
func FuzzNewerKindsHistoryRoundTrip(f *testing.F) {
	uuid := []byte{0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00}
	f.Add(int64(150), uint8(2), int64(1_796_205_600_250_000), uuid, uint16(60))
	f.Add(int64(math.MinInt64), uint8(value.DecimalScaleMax), int64(math.MinInt64), bytes.Repeat([]byte{0xff}, 16), uint16(0))
	f.Add(int64(math.MaxInt64), uint8(0), int64(math.MaxInt64), []byte{}, uint16(1000))
	f.Add(int64(-5), uint8(1), int64(-62_167_219_200_000_001), []byte{0x00}, uint16(95))
	f.Fuzz(func(t *testing.T, unscaled int64, scale uint8, micros int64, uuidBytes []byte, cut uint16) {
		var u value.UUID
		copy(u[:], uuidBytes)
		decimal := value.DecimalValue(value.MakeDecimal(unscaled, int(scale)%(value.DecimalScaleMax+1)))
		timestamp := value.TimestampValue(value.TimestampFromUnixMicros(micros))
		id := value.UUIDValue(u)
		var history History
		for process, item := range []value.Value{decimal, timestamp, id, value.List(decimal, timestamp, id),
			value.Map(map[string]value.Value{"due": timestamp, "id": id, "price": decimal})} {
			operationEvents(&history, process, FunctionEnqueue, "q", item, value.Null(), TypeOK)
		}
		for _, write := range []func(io.Writer) error{history.WriteEDN, history.WriteJSONLines} {
			var buffer bytes.Buffer
			if err := write(&buffer); err != nil {
				t.Fatal(err)
			}
			text := buffer.Bytes()
			read, err := ReadHistory(bytes.NewReader(text))
			if err != nil {
				t.Fatalf("reading\n%s: %v", text, err)
			}
			if got, want := formatEvents(read), formatEvents(history); got != want {
				t.Fatalf("read back\n%s\nwant\n%s\nfrom\n%s", got, want, text)
			}
			short := text[:int(cut)%len(text)]
			if _, err := ReadHistory(bytes.NewReader(short)); err != nil &&
				!errors.Is(err, ErrHistorySyntax) && !errors.Is(err, ErrMalformedHistory) && !errors.Is(err, value.ErrNestingTooDeep) {
				t.Fatalf("reading %q: error %v is neither a history syntax error nor a malformed history", short, err)
			}
		}
	})
}
